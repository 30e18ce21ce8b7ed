import NIOCore
import NIOHTTP1

/// The data of one forwarded request and its response, from the client's head to the response's
/// end; where the exchange stands is the connection's state machine's business.
final class Exchange {
    let clientHead: ClientRequestLine
    /// The serialized upstream head (kept for a retry on a fresh connection).
    var upstreamHead: ByteBuffer
    /// What the upstream head was written from, kept only for a service with several endpoints:
    /// a retry on another endpoint writes it again for that endpoint (Host, target).
    let rewritable: (fields: ClientRequestHead.Fields, context: UpstreamRequestHead.Context)?
    /// The client's body was chunked: the gateway re-chunks what the decoder de-chunked.
    let upstreamChunked: Bool
    var plan: ForwardPlan
    let requestID: RequestID
    let started: NIODeadline
    let origin: String?

    var connection: UpstreamConnection?
    /// Framed request bytes that arrived before the upstream connection was ready.
    var pending: [ByteBuffer] = []
    /// The client head of a response with a length, held until its first body bytes (in the same
    /// read, usually) so a small response leaves in one write; written at the latest when the read
    /// ends.
    var unsentHead: ByteBuffer?
    /// How the response body is framed towards the client.
    var responseFraming = ResponseFraming.none
    var upstreamSent: NIODeadline?
    var upstreamHeadAt: NIODeadline?
    var upstreamKeepAlive = false
    var isStream = false
    var status = 0
    /// The retry took from the service's budget (returned when the exchange ends).
    var retryCounted = false
    /// Set when the upstream side failed; logged with the request.
    var failure: UpstreamFailure?

    init(
        clientHead: ClientRequestLine, upstreamHead: ByteBuffer,
        rewritable: (fields: ClientRequestHead.Fields, context: UpstreamRequestHead.Context)?, upstreamChunked: Bool,
        plan: ForwardPlan, requestID: RequestID, started: NIODeadline, origin: String?
    ) {
        self.clientHead = clientHead
        self.upstreamHead = upstreamHead
        self.rewritable = rewritable
        self.upstreamChunked = upstreamChunked
        self.plan = plan
        self.requestID = requestID
        self.started = started
        self.origin = origin
    }
}

/// What an exchange keeps of the client's head once it is forwarded: the request line. (Its
/// fields are not kept: a long stream would hold them, and the read buffer they lie in.)
struct ClientRequestLine {
    var method: HTTPMethod
    var version: HTTPVersion
    var uri: String
}

/// How a proxied response's body reaches the client.
enum ResponseFraming {
    /// No body (HEAD, 1xx, 204, 304).
    case none
    /// The upstream's Content-Length: bytes pass as they are.
    case length
    /// Chunked by the gateway (the upstream sent chunked or close-delimited).
    case chunked
    /// HTTP/1.0 client without a length: bytes pass, the connection closes at the end.
    case untilClose
}
