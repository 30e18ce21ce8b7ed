import NIOCore

/// Tracks when a connection's next request head is due (SPEC §10); the loop's sweeper enforces it.
///
/// Sits in front of the HTTP decoder because only raw bytes tell when a head *starts*: an idle
/// keep-alive connection gets CLIENT_IDLE_TIMEOUT_SECONDS, and from its first byte a head has
/// CLIENT_HEADER_TIMEOUT_SECONDS to complete.
final class HeadTimeoutHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let headerTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private var isIdle = false
    /// When the connection is closed unless a head arrives first.
    private(set) var deadline: NIODeadline

    init(headerTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        deadline = .now() + headerTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if isIdle {
            isIdle = false
            deadline = .now() + headerTimeout
        }
        context.fireChannelRead(data)
    }

    /// A complete head arrived: the request's own deadlines take over.
    func requestStarted() {
        isIdle = false
        deadline = .distantFuture
    }

    /// The exchange finished and the connection stays open: it may now idle.
    func exchangeFinished() {
        isIdle = true
        deadline = .now() + idleTimeout
    }
}
