import Dispatch

/// Runs `operation` and blocks the calling thread until it is done. For the reload and DNS
/// queues only, which exist to do one swap at a time; never call it on an event loop.
func waitOffLoop(_ operation: @escaping @Sendable () async -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task {
        await operation()
        done.signal()
    }
    done.wait()
}
