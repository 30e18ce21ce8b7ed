import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A waited-for condition did not come true in time.
struct TestTimeoutError: Error, CustomStringConvertible {
    var waitingFor: String
    var after: Duration
    var description: String { "timed out after \(after) waiting for \(waitingFor)" }
}

/// A value behind a lock that tests can await a condition on, instead of sleep-polling.
///
/// Writers mutate through `update`; every waiter's `attempt` is re-run after each update,
/// under the same lock, so a condition and the mutation that satisfies it cannot race.
final class AwaitableState<Value: Sendable>: Sendable {
    private struct Waiter {
        let attempt: @Sendable (inout Value) -> Bool
        let fail: @Sendable (any Error) -> Void
    }

    private struct Storage {
        var value: Value
        var waiters: [UInt64: Waiter] = [:]
        /// Waits that have started and not yet returned.
        var live: Set<UInt64> = []
        /// Timeouts or cancellations that arrived before their waiter registered.
        var abandoned: [UInt64: any Error] = [:]
        var nextID: UInt64 = 0
    }

    private let storage: NIOLockedValueBox<Storage>

    init(_ value: Value) {
        storage = NIOLockedValueBox(Storage(value: value))
    }

    /// A snapshot of the current value.
    var value: Value { storage.withLockedValue { $0.value } }

    /// Mutates the value, then wakes every waiter whose condition now holds.
    @discardableResult
    func update<R>(_ body: (inout Value) -> R) -> R {
        storage.withLockedValue { storage in
            let result = body(&storage.value)
            for (id, waiter) in storage.waiters where waiter.attempt(&storage.value) {
                storage.waiters[id] = nil
            }
            return result
        }
    }

    /// Suspends until `attempt` returns non-nil (it may mutate the value, e.g. to take
    /// what it found), or throws `TestTimeoutError` after `timeout`, or on cancellation.
    func wait<R: Sendable>(
        for what: @autoclosure () -> String,
        timeout: Duration,
        until attempt: @escaping @Sendable (inout Value) -> R?
    ) async throws -> R {
        let id = storage.withLockedValue { storage in
            defer { storage.nextID += 1 }
            storage.live.insert(storage.nextID)
            return storage.nextID
        }
        let timeoutError = TestTimeoutError(waitingFor: what(), after: timeout)
        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(timeout)) {
            self.abandon(id, timeoutError)
        }
        defer {
            timer.cancel()
            storage.withLockedValue { storage in
                storage.live.remove(id)
                storage.abandoned[id] = nil
                storage.waiters[id] = nil
            }
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<R, any Error>) in
                storage.withLockedValue { storage in
                    if let result = attempt(&storage.value) {
                        continuation.resume(returning: result)
                    } else if let error = storage.abandoned[id] {
                        continuation.resume(throwing: error)
                    } else {
                        storage.waiters[id] = Waiter(
                            attempt: { value in
                                guard let result = attempt(&value) else { return false }
                                continuation.resume(returning: result)
                                return true
                            },
                            fail: { continuation.resume(throwing: $0) }
                        )
                    }
                }
            }
        } onCancel: {
            abandon(id, CancellationError())
        }
    }

    private func abandon(_ id: UInt64, _ error: any Error) {
        storage.withLockedValue { storage in
            guard storage.live.contains(id) else { return }
            if let waiter = storage.waiters.removeValue(forKey: id) {
                waiter.fail(error)
            } else {
                storage.abandoned[id] = error
            }
        }
    }
}
