import NIOCore
import NIOHTTP1

extension StandInHandler {
    /// Writes a complete response with its Content-Length, then frees the connection for
    /// the next request (or closes it when the client asked for that).
    func write(_ response: StandInResponse, for request: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders(response.headers)
        let body = context.channel.allocator.buffer(string: response.body)
        headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
        if !request.isKeepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        finishResponse(keepAlive: request.isKeepAlive, context: context)
    }

    /// Ends the current response; the pipeline handler then releases the next request.
    func finishResponse(keepAlive: Bool, context: ChannelHandlerContext) {
        state = .idle
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
