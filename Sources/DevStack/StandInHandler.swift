import GatewayCore
import NIOCore
import NIOHTTP1

/// One connection of a stand-in backend: reads each request, counts (never buffers) its
/// body, and answers with the echo, an SSE stream, or the token endpoint.
///
/// Requests are handled one at a time; `HTTPServerPipelineHandler` (installed by
/// `configureHTTPServerPipeline`) holds pipelined requests back until `.end` is written.
final class StandInHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    enum State {
        case idle
        case reading(Request)
        /// An SSE response is being written; further input waits in the pipeline handler.
        case streaming
    }

    struct Request {
        var head: HTTPRequestHead
        var route: StandInRoute
        var bodyBytes = 0
        /// Body kept only for the token endpoint, up to `TokenEndpoint.maxBodyBytes`.
        var collected: [UInt8] = []
        var overflowed = false
    }

    let service: ServiceName
    let settings: StandInSettings
    var state: State = .idle
    /// The next SSE event, cancelled when the connection goes away.
    var pendingEvent: Scheduled<Void>?

    init(service: ServiceName, settings: StandInSettings) {
        self.service = service
        self.settings = settings
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let path = StandInTarget(head.uri).path
            let route = StandInRoute(service: service, method: head.method.rawValue, path: path)
            state = .reading(Request(head: head, route: route))
        case .body(let buffer):
            guard case .reading(var request) = state else { return }
            request.bodyBytes += buffer.readableBytes
            if request.route == .token, !request.overflowed {
                if request.collected.count + buffer.readableBytes > TokenEndpoint.maxBodyBytes {
                    request.overflowed = true
                    request.collected = []
                } else {
                    request.collected.append(contentsOf: buffer.readableBytesView)
                }
            }
            state = .reading(request)
        case .end:
            guard case .reading(let request) = state else { return }
            respond(to: request, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pendingEvent?.cancel()
        pendingEvent = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        pendingEvent?.cancel()
        pendingEvent = nil
    }

    private func respond(to request: Request, context: ChannelHandlerContext) {
        switch request.route {
        case .echo:
            let body = EchoReply.body(service: service, head: request.head, bodyBytes: request.bodyBytes)
            write(.json(.ok, body), for: request.head, context: context)
        case .token:
            let response =
                request.overflowed
                ? TokenEndpoint.tooLarge()
                : settings.tokenEndpoint.respond(to: request.collected, now: settings.now())
            write(response, for: request.head, context: context)
        case .eventStream:
            startEventStream(for: request.head, context: context)
        }
    }
}
