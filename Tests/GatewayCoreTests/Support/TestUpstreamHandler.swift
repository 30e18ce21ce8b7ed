import NIOCore
import NIOHTTP1

/// One connection of a `TestUpstream`: records each request as its body streams in, asks
/// the test's handler for a plan once the request is complete, and carries the plan out
/// (see `TestUpstreamHandler+Plans.swift`). Responses are written as raw bytes, not through
/// NIO's encoder, so plans can send exactly what they want, broken framing included.
final class TestUpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    let core: UpstreamCore
    let connectionNumber: Int
    var recorder: RequestRecorder?
    /// Complete requests not yet answered (pipelined ones wait here, answered in order).
    var waiting: [RecordedRequest] = []
    var answering = false
    var isOpen = true
    /// The next delayed step of the current plan, cancelled when the connection closes.
    var pendingStep: Scheduled<Void>?
    var pump: LargeBodyPump?
    /// True while `pumpLargeBody` runs (a flush inside it can re-enter it).
    var pumping = false

    struct LargeBodyPump {
        var offset = 0
        let size: Int
        let chunked: Bool
        let request: RecordedRequest
        let headers: [(String, String)]
    }

    init(core: UpstreamCore, connectionNumber: Int) {
        self.core = core
        self.connectionNumber = connectionNumber
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            // A client waiting for permission to send its body gets it, as from a real server.
            if head.headers.first(name: "Expect")?.lowercased() == "100-continue" {
                context.writeAndFlush(
                    wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 100 Continue\r\n\r\n")), promise: nil)
            }
            recorder = RequestRecorder(head: head, connectionNumber: connectionNumber, retainLimit: core.retainLimit)
        case .body(let buffer):
            recorder?.append(buffer)
        case .end:
            guard let finished = recorder?.finish() else { return }
            recorder = nil
            core.record(finished)
            waiting.append(finished)
            answerNext(context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { pumpLargeBody(context: context) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        isOpen = false
        pendingStep?.cancel()
        pendingStep = nil
        pump = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Runs the test's (async) handler off the loop, then hops back to carry out its plan.
    func answerNext(context: ChannelHandlerContext) {
        guard isOpen, !answering, !waiting.isEmpty else { return }
        answering = true
        let request = waiting.removeFirst()
        let handler = core.handler
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        Task {
            let plan = await handler(request)
            bound.eventLoop.execute {
                let (handler, context) = bound.value
                handler.perform(plan, for: request, context: context)
            }
        }
    }

    /// Called when a response is complete: closes if either side asked for that, else
    /// moves on to the next pipelined request.
    func finish(_ request: RecordedRequest, responseHeaders: [(String, String)], context: ChannelHandlerContext) {
        let closeRequested = responseHeaders.contains {
            $0.0.lowercased() == "connection" && $0.1.lowercased().contains("close")
        }
        if !request.keepAlive || closeRequested {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer())).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        } else {
            context.flush()
            answering = false
            answerNext(context: context)
        }
    }
}
