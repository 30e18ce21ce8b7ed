import NIOCore
import NIOPosix

/// An upstream that accepts connections and never reads from them: a 4 KiB receive buffer, so
/// the gateway's writes stop once its socket's buffers are full.
enum StalledUpstream {
    static func start() async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.socketOption(.so_rcvbuf), value: 4096)
            .childChannelOption(.autoRead, value: false)
            .bind(host: "127.0.0.1", port: 0).get()
    }
}
