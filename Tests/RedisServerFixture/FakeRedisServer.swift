import NIOCore
import NIOPosix

/// A TCP server on a loopback port that plays a broken Redis: it accepts and reads, and either
/// never answers or answers every read with the same bytes.
public final class FakeRedisServer: Sendable {
    public enum Behaviour: Sendable {
        /// Accepts, reads, never writes: a hung server.
        case silent
        /// Answers each read with these bytes (garbage, or an error reply).
        case answer(String)
    }

    public let port: Int
    private let channel: any Channel

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    public static func start(_ behaviour: Behaviour) async throws -> FakeRedisServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(behaviour: behaviour))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FakeRedisServer(port: channel.localAddress?.port ?? 0, channel: channel)
    }

    public func stop() async {
        try? await channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let behaviour: Behaviour

        init(behaviour: Behaviour) { self.behaviour = behaviour }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .answer(let text) = behaviour {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
            }
        }
    }
}
