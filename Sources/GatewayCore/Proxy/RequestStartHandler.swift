import NIOCore

/// Tells the connection's state machine when bytes arrive, so a head's header timeout starts at
/// its first byte (SPEC §10): an idle keep-alive connection has CLIENT_IDLE_TIMEOUT_SECONDS until
/// then. It sits in front of the HTTP decoder because only raw bytes tell when a head *starts*.
final class RequestStartHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let client: ClientHandler

    init(_ client: ClientHandler) { self.client = client }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        client.bytesArrived()
        context.fireChannelRead(data)
    }
}
