import NIOCore
import NIOHPACK
import NIOHTTP2

/// RFC 9113 §8.3.1: a request whose `:authority` and Host differ is malformed. NIO's codec keeps
/// Host and drops `:authority`; this adds the authority as a second Host instead, so the request
/// meets SPEC §10's rule for two Host fields (400, the usual JSON error) on its way through the
/// pipeline like any other.
final class HTTP2AuthorityCheck: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload

    private var sawHead = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !sawHead, case .headers(var headers) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        sawHead = true
        if let authority = headers.headers.first(name: ":authority"),
            let host = headers.headers.first(name: "host"),
            authority.lowercased() != host.lowercased()
        {
            headers.headers.add(name: "host", value: authority)
            context.fireChannelRead(wrapInboundOut(.headers(headers)))
            return
        }
        context.fireChannelRead(data)
    }
}
