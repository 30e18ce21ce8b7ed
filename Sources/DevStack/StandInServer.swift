import GatewayCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// Binding of one stand-in backend.
enum StandInServer {
    /// Binds `service`'s stand-in on `host`, port 0, so the kernel picks a free port and
    /// eight stand-ins (or parallel test runs) can never clash.
    static func bind(
        _ service: ServiceName,
        host: String,
        settings: StandInSettings,
        registry: ConnectionRegistry,
        group: any EventLoopGroup
    ) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                registry.register(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        StandInHandler(service: service, settings: settings)
                    )
                }
            }
            .bind(host: host, port: 0)
            .get()
    }
}
