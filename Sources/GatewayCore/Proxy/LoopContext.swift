import NIOCore

/// Everything one event loop owns: used only on that loop, so none of it needs a lock.
final class LoopContext {
    let eventLoop: any EventLoop
    let pool: UpstreamPool
    let tokens: VerifiedTokenCache
    let requestIDs = RequestIDGenerator()
    let observer: LoopObserver
    let flushes: FlushBatch
    /// The routing new requests get; a reload replaces it on the loop, between requests.
    var routing: RoutingTable
    var balancer = LoopBalancer()
    /// SPEC §15's 30 s, in nanoseconds (shorter in tests).
    let ejectionBase: Int64
    /// Open client connections: for the deadline sweep and for shutdown.
    var connections: [ObjectIdentifier: ClientHandler] = [:]
    /// Open HTTP/2 connections (their streams are in `connections`): shutdown sends each a GOAWAY.
    var http2Connections: [ObjectIdentifier: any Channel] = [:]
    private var sweeper: RepeatedTask?

    init(eventLoop: any EventLoop, configuration: GatewayConfiguration, routing: RoutingTable, observer: LoopObserver) {
        self.eventLoop = eventLoop
        self.routing = routing
        self.ejectionBase = configuration.upstreamEjectionBaseSeconds * 1_000_000_000
        pool = UpstreamPool(
            eventLoop: eventLoop, connectTimeout: .milliseconds(configuration.upstreamConnectTimeoutMilliseconds))
        tokens = VerifiedTokenCache(capacity: 4096)
        self.observer = observer
        flushes = FlushBatch(eventLoop: eventLoop)
    }

    /// Checks every connection's deadlines at `interval`: one timer per loop instead of several
    /// per request.
    func startSweeping(interval: TimeAmount) {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        sweeper = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let context = bound.value
            let now = NIODeadline.now()
            for handler in Array(context.connections.values) { handler.checkDeadlines(now: now) }
        }
    }

    func stopSweeping() {
        sweeper?.cancel()
        sweeper = nil
    }
}
