import NIOCore

/// Last on an HTTP/2 connection: NIO's HTTP/2 handler answers a connection error (a flood, a
/// rapid reset, a protocol violation) with GOAWAY and reports it here; the connection then closes.
final class HTTP2ConnectionErrorHandler: ChannelInboundHandler {
    typealias InboundIn = Never

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
