import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive connection to an upstream, owned by the event loop it lives on.
final class UpstreamConnection {
    let channel: any Channel
    let handler: UpstreamHandler
    /// `UpstreamURL.endpointID` of the host and port it is connected to.
    let endpoint: Int
    /// A reused connection may have been closed by the upstream meanwhile; such a failure is retried.
    var isReused = false

    init(channel: any Channel, handler: UpstreamHandler, endpoint: Int) {
        self.channel = channel
        self.handler = handler
        self.endpoint = endpoint
    }
}

/// The idle upstream connections of one event loop, per endpoint (host and port): a reload that
/// keeps an endpoint keeps its connections.
///
/// Connections live on the client's loop, so relaying never hops threads and the pool needs no lock.
final class UpstreamPool {
    /// Generous on purpose: a loop answers a burst of N requests with N upstream connections at
    /// once; a smaller cap (nginx-style 128) closed and reopened them on every burst (measured:
    /// ~5% of requests paid a connect at 256 clients). Upstreams close idle ones themselves.
    static let maxIdlePerEndpoint = 1024

    private let eventLoop: any EventLoop
    private let connectTimeout: TimeAmount
    /// Indexed by `UpstreamURL.endpointID` (grown on demand); used as stacks, so the warmest
    /// connection is reused first.
    private var idle: [[UpstreamConnection]] = []

    init(eventLoop: any EventLoop, connectTimeout: TimeAmount) {
        self.eventLoop = eventLoop
        self.connectTimeout = connectTimeout
    }

    /// An idle connection if one is alive (no future, no allocation), else nil.
    func idleConnection(_ upstream: UpstreamURL) -> UpstreamConnection? {
        guard upstream.endpointID < idle.count else { return nil }
        while let connection = idle[upstream.endpointID].popLast() {
            if connection.channel.isActive {
                connection.isReused = true
                return connection
            }
        }
        return nil
    }

    func connect(_ upstream: UpstreamURL) -> EventLoopFuture<UpstreamConnection> {
        ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.autoRead, value: true)
            // Start reads large: bodies of tens of KiB then take one read, not a ramp of small ones.
            .channelOption(
                .recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 16 * 1024, maximum: 64 * 1024)
            )
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler())
                }
            }
            .connect(host: upstream.connectHost, port: upstream.port)
            .flatMapThrowing { channel in
                let sync = channel.pipeline.syncOperations
                let handler = try sync.handler(type: UpstreamHandler.self)
                return UpstreamConnection(channel: channel, handler: handler, endpoint: upstream.endpointID)
            }
    }

    /// Returns a connection whose exchange finished cleanly; it stays until the upstream closes it.
    func release(_ connection: UpstreamConnection) {
        guard connection.channel.isActive else { return }
        // A read held for a slow client must not outlive its exchange: an idle connection has to
        // notice the upstream closing, and the next exchange has to see its response.
        connection.handler.resumeReading()
        let slot = connection.endpoint
        if slot >= idle.count { idle += Array(repeating: [], count: slot + 1 - idle.count) }
        guard idle[slot].count < Self.maxIdlePerEndpoint else {
            connection.channel.close(promise: nil)
            return
        }
        if connection.handler.onIdleClose == nil {
            // Set once per connection: a closure per release would cost an allocation per request.
            connection.handler.onIdleClose = { [weak self, weak connection] in
                guard let self, let connection else { return }
                self.idle[connection.endpoint].removeAll { $0 === connection }
            }
        }
        idle[slot].append(connection)
    }

    /// Closes the idle connections of endpoints no longer configured (after a reload).
    func closeIdle(except kept: Set<Int>) {
        for slot in idle.indices where !kept.contains(slot) && !idle[slot].isEmpty {
            let closing = idle[slot]
            idle[slot].removeAll()
            for connection in closing { connection.channel.close(promise: nil) }
        }
    }

    /// Closes every idle connection (shutdown).
    func closeAll() {
        let all = idle.flatMap { $0 }
        for slot in idle.indices { idle[slot].removeAll() }
        for connection in all { connection.channel.close(promise: nil) }
    }
}
