import NIOCore
import NIOHTTP1

/// One forwarded request and its response, from the client's head to the response's end.
final class Exchange {
    let clientHead: HTTPRequestHead
    let upstreamHead: HTTPRequestHead
    var plan: ForwardPlan
    let requestID: String
    let started: NIODeadline
    let origin: String?
    let clientKeepAlive: Bool

    var connection: UpstreamConnection?
    /// Request parts that arrived before the upstream connection was ready.
    var pending: [HTTPClientRequestPart] = []
    var requestEnded = false
    var sentBodyBytes = false
    var upstreamNeedsFlush = false
    var upstreamSent: NIODeadline?
    var upstreamHeadAt: NIODeadline?
    var responseHeadSent = false
    var upstreamKeepAlive = false
    var isStream = false
    var status = 0
    var retried = false
    /// No upstream response head by then: 504.
    var responseDeadline = NIODeadline.distantFuture
    /// No request-body progress by then: the client connection is closed.
    var bodyDeadline = NIODeadline.distantFuture

    init(
        clientHead: HTTPRequestHead, upstreamHead: HTTPRequestHead, plan: ForwardPlan, requestID: String,
        started: NIODeadline, origin: String?
    ) {
        self.clientHead = clientHead
        self.upstreamHead = upstreamHead
        self.plan = plan
        self.requestID = requestID
        self.started = started
        self.origin = origin
        self.clientKeepAlive = clientHead.isKeepAlive
    }

    func cancelTimers() {
        responseDeadline = .distantFuture
        bodyDeadline = .distantFuture
    }
}
