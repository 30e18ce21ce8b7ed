import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive connection to an upstream, owned by the event loop it lives on.
final class UpstreamConnection {
    let channel: any Channel
    let handler: UpstreamHandler
    let upstream: UpstreamURL
    /// A reused connection may have been closed by the upstream meanwhile; such a failure is retried.
    var isReused = false

    init(channel: any Channel, handler: UpstreamHandler, upstream: UpstreamURL) {
        self.channel = channel
        self.handler = handler
        self.upstream = upstream
    }
}

/// The idle upstream connections of one event loop, per upstream address.
///
/// Connections live on the client's loop, so relaying never hops threads and the pool needs no lock.
final class UpstreamPool {
    static let maxIdlePerUpstream = 128

    private let eventLoop: any EventLoop
    private let connectTimeout: TimeAmount
    private var idle: [UpstreamURL: [UpstreamConnection]] = [:]

    init(eventLoop: any EventLoop, connectTimeout: TimeAmount) {
        self.eventLoop = eventLoop
        self.connectTimeout = connectTimeout
    }

    /// An idle connection if one is alive (no future, no allocation), else nil.
    func idleConnection(_ upstream: UpstreamURL) -> UpstreamConnection? {
        while let connection = idle[upstream]?.popLast() {
            if connection.channel.isActive {
                connection.handler.onIdleClose = nil
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
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        leftOverBytesStrategy: .dropBytes, enableOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler())
                }
            }
            .connect(host: upstream.host, port: upstream.port)
            .flatMapThrowing { channel in
                let handler = try channel.pipeline.syncOperations.handler(type: UpstreamHandler.self)
                return UpstreamConnection(channel: channel, handler: handler, upstream: upstream)
            }
    }

    /// Returns a connection whose exchange finished cleanly; it stays until the upstream closes it.
    func release(_ connection: UpstreamConnection) {
        connection.handler.delegate = nil
        guard connection.channel.isActive else { return }
        var list = idle[connection.upstream, default: []]
        guard list.count < Self.maxIdlePerUpstream else {
            connection.channel.close(promise: nil)
            return
        }
        connection.handler.onIdleClose = { [weak self, weak connection] in
            guard let self, let connection else { return }
            self.idle[connection.upstream]?.removeAll { $0 === connection }
        }
        list.append(connection)
        idle[connection.upstream] = list
    }

    /// Closes every idle connection (shutdown).
    func closeAll() {
        let all = idle.values.flatMap { $0 }
        idle.removeAll()
        for connection in all { connection.channel.close(promise: nil) }
    }
}
