import NIOCore

/// Everything one event loop owns: used only on that loop, so none of it needs a lock.
final class LoopContext {
    let eventLoop: any EventLoop
    let pool: UpstreamPool
    let tokens: VerifiedTokenCache
    let requestIDs = RequestIDGenerator()
    let observer: LoopObserver
    /// Open client connections, for shutdown.
    var connections: [ObjectIdentifier: any Channel] = [:]
    /// Set when shutdown starts: responses then carry `Connection: close`.
    var draining = false

    init(eventLoop: any EventLoop, configuration: GatewayConfiguration, observer: LoopObserver) {
        self.eventLoop = eventLoop
        pool = UpstreamPool(
            eventLoop: eventLoop, connectTimeout: .milliseconds(configuration.upstreamConnectTimeoutMilliseconds))
        tokens = VerifiedTokenCache(capacity: 4096)
        self.observer = observer
    }
}
