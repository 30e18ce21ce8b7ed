import NIOCore

/// Closes a connection whose next request head does not arrive in time (SPEC §10).
///
/// Sits in front of the HTTP decoder because only raw bytes tell when a head *starts*: an idle
/// keep-alive connection gets CLIENT_IDLE_TIMEOUT_SECONDS, and from its first byte a head has
/// CLIENT_HEADER_TIMEOUT_SECONDS to complete.
final class HeadTimeoutHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum Phase { case idle, awaitingHead, inRequest }

    private let headerTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private var phase = Phase.awaitingHead
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(headerTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { arm(headerTimeout) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(headerTimeout)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if phase == .idle {
            phase = .awaitingHead
            arm(headerTimeout)
        }
        context.fireChannelRead(data)
    }

    /// A complete head arrived: the request's own timeouts take over.
    func requestStarted() {
        phase = .inRequest
        timer?.cancel()
        timer = nil
    }

    /// The exchange finished and the connection stays open: it may now idle.
    func exchangeFinished() {
        phase = .idle
        arm(idleTimeout)
    }

    private func arm(_ timeout: TimeAmount) {
        timer?.cancel()
        guard let context else { return }
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }
}
