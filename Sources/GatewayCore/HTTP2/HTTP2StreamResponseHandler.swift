import NIOCore
import NIOHTTP1

/// On an HTTP/2 stream, between the stream codec and `ClientHandler`: the handler's response
/// bytes go out as response parts (see `HTTP1ResponseBytes`), and the request's method is noted
/// on its way in, since a response to HEAD has no body.
final class HTTP2StreamResponseHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = HTTPServerResponsePart

    private var reader = HTTP1ResponseBytes()
    /// Completes with the last part written: an empty write (`ClientHandler` closing after its
    /// response) completes with it, not before.
    private var lastWrite: EventLoopFuture<Void>?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { reader.requestMethod = head.method }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let parts: [HTTP1ResponseBytes.Part]
        do {
            parts = try reader.feed(unwrapOutboundIn(data))
        } catch {
            promise?.fail(error)
            context.close(promise: nil)
            return
        }
        guard !parts.isEmpty else {
            if let lastWrite { lastWrite.cascade(to: promise) } else { promise?.succeed() }
            return
        }
        for (index, part) in parts.enumerated() {
            let response: HTTPServerResponsePart =
                switch part {
                case .head(let head): .head(head)
                case .body(let bytes): .body(.byteBuffer(bytes))
                case .end: .end(nil)
                }
            if index == parts.count - 1 {
                let written = promise ?? context.eventLoop.makePromise()
                lastWrite = written.futureResult
                context.write(wrapOutboundOut(response), promise: written)
            } else {
                context.write(wrapOutboundOut(response), promise: nil)
            }
        }
    }
}
