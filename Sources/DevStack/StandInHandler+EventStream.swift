import NIOCore
import NIOHTTP1

extension StandInHandler {
    /// Starts a real Server-Sent Events response: no Content-Length (so chunked), the
    /// first event at once, then one every `sseInterval`, each flushed on its own, so a
    /// proxy that buffers shows up as events arriving together.
    func startEventStream(for request: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")])
        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: .ok, headers: headers)
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        state = .streaming
        sendEvent(1, keepAlive: request.isKeepAlive, context: context)
    }

    private func sendEvent(_ n: Int, keepAlive: Bool, context: ChannelHandlerContext) {
        pendingEvent = nil
        guard n <= settings.sseEventCount else {
            finishResponse(keepAlive: keepAlive, context: context)
            return
        }
        let event = "id: \(n)\nevent: message\ndata: {\"n\":\(n),\"service\":\"orchestration\"}\n\n"
        let buffer = context.channel.allocator.buffer(string: event)
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        guard n < settings.sseEventCount else {
            finishResponse(keepAlive: keepAlive, context: context)
            return
        }
        pendingEvent = context.eventLoop.assumeIsolated().scheduleTask(in: settings.sseInterval) {
            self.sendEvent(n + 1, keepAlive: keepAlive, context: context)
        }
    }
}
