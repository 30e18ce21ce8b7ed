import NIOCore
import NIOHTTP1

/// The gateway's one handler per client connection, after the HTTP codec.
///
/// At each request head it runs the pipeline (a synchronous decision), then either answers itself
/// or relays the request to a pooled upstream connection on the same event loop and the response
/// back, part by part, holding reads on whichever side is faster (backpressure). No task hops, no
/// buffering of whole bodies, no timer per request (deadlines are swept by the loop).
///
/// Pipelined requests are queued here rather than by `HTTPServerPipelineHandler`, which pauses
/// reading after every request and so costs two `epoll_ctl` calls each.
final class ClientHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    /// Responses leave as bytes framed here (`HeadSerializer`), not through NIO's encoder.
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum State {
        case idle
        /// Answered locally; body parts are dropped until the request ends.
        case local
        case forwarding(Exchange)
        case closed
    }

    let shared: GatewayShared
    let loop: LoopContext
    let headTimeout: HeadTimeoutHandler
    var state = State.idle
    var context: ChannelHandlerContext?
    /// Decided once, when the connection is added.
    var peer = Peer(.v4(0), trusted: TrustedProxies([]))
    var readPending = false
    var clientNeedsFlush = false
    /// Parts of pipelined requests that arrived while an earlier one was in flight.
    var queued = CircularBuffer<HTTPServerRequestPart>()
    var isQueueing = false
    private var isDrainingQueue = false
    var isDraining = false
    var writeStallDeadline = NIODeadline.distantFuture
    /// The request body must make progress by then (SPEC §10), whether it is forwarded or, after a
    /// local answer, drained: set at a head that announces a body, renewed by each body part.
    var bodyDeadline = NIODeadline.distantFuture

    init(shared: GatewayShared, loop: LoopContext, headTimeout: HeadTimeoutHandler) {
        self.shared = shared
        self.loop = loop
        self.headTimeout = headTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let address = context.channel.remoteAddress, let ip = IPAddress(address) {
            peer = Peer(ip, trusted: shared.pipeline.clients.trusted)
        }
        loop.connections[ObjectIdentifier(self)] = self
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        loop.connections.removeValue(forKey: ObjectIdentifier(self))
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        loop.connections.removeValue(forKey: ObjectIdentifier(self))
        if case .forwarding(let exchange) = state {
            abandonUpstream(exchange)
            finish(exchange, status: exchange.responseHeadSent ? exchange.status : 499)
        }
        state = .closed
        queued.removeAll()
        context.fireChannelInactive()
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if isQueueing {
            queued.append(part)
            return
        }
        handle(part, context: context)
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            switch state {
            case .idle:
                headTimeout.requestStarted()
                receiveHead(head, context: context)
            case .forwarding, .local:
                // A pipelined request: answer it once the current one is done.
                isQueueing = true
                queued.append(part)
            case .closed:
                break
            }
        case .body(let buffer):
            bodyDeadline = .now() + shared.progressTimeout
            guard case .forwarding(let exchange) = state else { return }
            exchange.sentBodyBytes = true
            sendUpstream(body: buffer, exchange)
        case .end:
            bodyDeadline = .distantFuture
            switch state {
            case .forwarding(let exchange):
                exchange.requestEnded = true
                if exchange.connection != nil && !exchange.responseHeadSent {
                    exchange.responseDeadline = .now() + shared.responseTimeout
                }
                sendUpstreamEnd(exchange)
                resumeClientReads()
            case .local:
                // The answer went out at the head; the exchange is over once the body is drained.
                exchangeFinished()
            default: break
            }
        }
    }

    /// Ends the connection now (an error, a timeout, a cut response): what is queued is flushed
    /// first, so a cut response still carries what arrived; what the socket cannot take is dropped.
    static func flushAndClose(_ context: ChannelHandlerContext) {
        context.flush()
        context.close(promise: nil)
    }

    /// The current request and its response are complete and the connection stays open.
    func exchangeFinished() {
        state = .idle
        if isDraining {
            state = .closed
            context.map(closeAfterWrites)
            return
        }
        headTimeout.exchangeFinished()
        drainQueue()
    }

    /// Feeds queued pipelined parts in order: each request's body and end go to it, and the next
    /// head waits until the connection is idle again.
    private func drainQueue() {
        guard isQueueing, !isDrainingQueue, let context else { return }
        isDrainingQueue = true
        defer { isDrainingQueue = false }
        while let next = queued.first {
            if case .head = next, !isIdle { break }
            if case .closed = state { break }
            _ = queued.popFirst()
            handle(next, context: context)
        }
        if queued.isEmpty {
            isQueueing = false
            resumeClientReads()
        }
    }

    private var isIdle: Bool {
        if case .idle = state { return true }
        return false
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .forwarding(let exchange) = state, exchange.upstreamNeedsFlush, let connection = exchange.connection {
            exchange.upstreamNeedsFlush = false
            connection.channel.flush()
        }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // Shutdown: idle connections close now, busy ones after their response (with Connection: close).
        isDraining = true
        if case .idle = state, queued.isEmpty {
            state = .closed
            closeAfterWrites(context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            Self.flushAndClose(context)
            return
        }
        if case .forwarding(let exchange) = state {
            guard !exchange.responseHeadSent else {
                Self.flushAndClose(context)
                return
            }
            abandonUpstream(exchange)
            finish(exchange, status: 400)
            state = .idle
        }
        if case .closed = state { return }
        let gatewayError: GatewayError
        switch parserError {
        case .headerOverflow:
            gatewayError = GatewayError(.headersTooLarge, "request head larger than 64 KiB or over 100 fields")
        default:
            gatewayError = GatewayError(.badRequest, "malformed request")
        }
        let requestID = loop.requestIDs.next()
        refuseMalformed(gatewayError, requestID: requestID)
        // The parser refused the head, so method and path are unknown; the request is still logged.
        loop.observer.finished(
            CompletedRequest(
                method: "-", path: "-", audit: RequestAudit(clientAddress: peer.address),
                status: Int(gatewayError.code.status.code), requestID: requestID, duration: 0, upstreamTime: nil))
    }

    // MARK: backpressure

    func read(context: ChannelHandlerContext) {
        if isQueueing {
            readPending = true
            return
        }
        if case .forwarding(let exchange) = state, !exchange.requestEnded,
            exchange.connection.map({ !$0.channel.isWritable }) ?? true
        {
            readPending = true
            return
        }
        context.read()
    }

    func resumeClientReads() {
        guard readPending, !isQueueing, let context else { return }
        readPending = false
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            writeStallDeadline = .distantFuture
            if case .forwarding(let exchange) = state { exchange.connection?.handler.resumeReading() }
        } else {
            writeStallDeadline = .now() + shared.progressTimeout
        }
        context.fireChannelWritabilityChanged()
    }

    /// Called by the loop's sweeper: enforces every client-side and upstream-response deadline.
    func checkDeadlines(now: NIODeadline) {
        guard let context else { return }
        if headTimeout.deadline < now || writeStallDeadline < now || bodyDeadline < now {
            Self.flushAndClose(context)
            return
        }
        if case .forwarding(let exchange) = state, exchange.responseDeadline < now, !exchange.responseHeadSent,
            exchange.connection != nil
        {
            endpointFailed(exchange)
            failBeforeHead(exchange, .responseTimeout)
        }
    }
}
