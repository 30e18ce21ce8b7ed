import NIOCore
import NIOHTTP1
import NIOHTTP2

/// The gateway's one handler per client connection, after the HTTP codec: it performs what the
/// connection's state machine (`ClientConnectionStateMachine`) decides and holds no state of its
/// own besides the current exchange's data and the queue of pipelined parts.
///
/// At each request head it runs the pipeline (a synchronous decision), then either answers itself
/// or relays the request to a pooled upstream connection on the same event loop and the response
/// back, part by part, holding reads on whichever side is faster (backpressure). No task hops, no
/// buffering of whole bodies, no timer per request (deadlines are swept by the loop).
///
/// Pipelined requests are queued here rather than by `HTTPServerPipelineHandler`, which pauses
/// reading after every request and so costs two `epoll_ctl` calls each.
final class ClientHandler: ChannelDuplexHandler {
    /// Parts arrive by `received` (HTTP/1.1) or `streamFrame` (HTTP/2), not through the pipeline.
    typealias InboundIn = ClientRequestPart
    /// Responses leave as bytes framed here (`HeadSerializer`), not through NIO's encoder; on an
    /// HTTP/2 stream `http2` turns them into frames (`send`).
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let shared: GatewayShared
    let loop: LoopContext
    var machine: ClientConnectionStateMachine
    /// The forwarded request's data; set exactly while the machine is forwarding.
    var exchange: Exchange?
    var context: ChannelHandlerContext?
    /// The channel's allocator, read once: `context.channel.allocator` cost three reference
    /// counts per use (the channel, its lock-guarded cached allocator).
    var allocator = ByteBufferAllocator()
    /// Whether the client channel, and the exchange's upstream connection, take more bytes: kept
    /// from their writability events, because reading them through `context.channel` and
    /// `exchange.connection.channel` on every read cost several reference counts.
    var clientWritable = true
    var upstreamWritable = false
    /// Decided once, when the connection is added.
    var peer = Peer(.v4(0), trusted: TrustedProxies([]))
    /// The connection is TLS.
    private let secure: Bool
    /// Set for an HTTP/2 stream (which has no channel: `context` is its connection's router's).
    private(set) var http2: HTTP2Stream?
    /// Parts of pipelined requests that arrived while an earlier one was in flight.
    private var queued = CircularBuffer<ClientRequestPart>()
    /// Set while the queue is being handled, so a part handled from it does not handle it again.
    private var isHandlingQueue = false

    init(shared: GatewayShared, loop: LoopContext, secure: Bool = false) {
        self.shared = shared
        self.loop = loop
        self.secure = secure
        machine = ClientConnectionStateMachine(timeouts: shared.clientTimeouts, now: .now())
    }

    func handlerAdded(context: ChannelHandlerContext) {
        var peer: Peer?
        if let address = context.channel.remoteAddress, let ip = IPAddress(address) {
            peer = Peer(ip, trusted: shared.pipeline.clients.trusted, secure: secure)
        }
        begin(context: context, peer: peer, writable: context.channel.isWritable)
    }

    /// Starts the handler of an HTTP/2 stream; `context` is the connection router's.
    func attach(_ stream: HTTP2Stream, context: ChannelHandlerContext, peer: Peer?, writable: Bool) {
        http2 = stream
        begin(context: context, peer: peer, writable: writable)
    }

    private func begin(context: ChannelHandlerContext, peer: Peer?, writable: Bool) {
        self.context = context
        allocator = context.channel.allocator
        clientWritable = writable
        if let peer { self.peer = peer }
        loop.connections[ObjectIdentifier(self)] = self
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        loop.connections.removeValue(forKey: ObjectIdentifier(self))
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        clientGone()
        context.fireChannelInactive()
    }

    /// NIO closed this handler's HTTP/2 stream (or its connection went).
    func streamClosed() {
        clientGone()
        context = nil
    }

    private func clientGone() {
        loop.connections.removeValue(forKey: ObjectIdentifier(self))
        switch machine.channelClosed() {
        case .abandonExchange(let responseStarted):
            if let exchange {
                abandonUpstream(exchange)
                finish(exchange, status: responseStarted ? exchange.status : 499)
            }
        case .none:
            break
        }
        queued.removeAll()
    }

    /// Raw bytes arrived (reported by `HTTP1RequestReader`, before it decodes them).
    func bytesArrived() {
        machine.bytesArrived(now: .now())
    }

    // MARK: inbound

    /// A part from `HTTP1RequestReader`, which calls rather than fires (no `NIOAny` per part).
    func received(_ part: ClientRequestPart) {
        guard let context else { return }
        handle(part, context: context, fromQueue: false)
    }

    /// A HEADERS or DATA frame of this handler's HTTP/2 stream; false when its header block is
    /// malformed (the stream is then reset).
    func streamFrame(_ payload: HTTP2Frame.FramePayload) -> Bool {
        guard let context, let http2 else { return true }
        return http2.codec.read(payload) { part in handle(part, context: context, fromQueue: false) }
    }

    /// After a frame of this stream: whether its next ones may come now (a read, on HTTP/1.1).
    func streamWantsMore() -> Bool {
        machine.readRequested(upstreamWritable: upstreamWritable)
    }

    /// Writes response bytes: as they are on HTTP/1.1, as frames on an HTTP/2 stream.
    @inline(__always)
    func send(_ bytes: ByteBuffer, context: ChannelHandlerContext, promise: EventLoopPromise<Void>? = nil) {
        if let http2 {
            http2.write(bytes, context: context, promise: promise)
        } else {
            context.write(wrapOutboundOut(bytes), promise: promise)
        }
    }

    private func handle(_ part: ClientRequestPart, context: ChannelHandlerContext, fromQueue: Bool) {
        let now = NIODeadline.now()
        let kind: ClientConnectionStateMachine.Part
        switch part {
        case .head: kind = .head
        case .body: kind = .body
        case .end: kind = .end
        }
        switch machine.partReceived(kind, now: now, fromQueue: fromQueue) {
        case .queue:
            queued.append(part)
        case .decide:
            guard case .head(let head) = part else { return }
            receiveHead(head, started: now, context: context)
        case .forwardBody:
            guard case .body(let buffer) = part, let exchange else { return }
            sendUpstream(body: buffer, exchange)
        case .forwardEnd:
            guard let exchange else { return }
            sendUpstreamEnd(exchange)
            resumeClientReads()
        case .discard:
            break
        case .exchangeFinished(let next):
            perform(next)
        }
    }

    /// Ends the connection now (an error, a timeout, a cut response): what is queued is flushed
    /// first, so a cut response still carries what arrived; what the socket cannot take is dropped.
    static func flushAndClose(_ context: ChannelHandlerContext) {
        context.flush()
        context.close(promise: nil)
    }

    /// `flushAndClose`, or on HTTP/2 the stream's reset (its connection goes on).
    func closeNow(_ context: ChannelHandlerContext) {
        if let http2 {
            http2.reset(.cancel)
        } else {
            Self.flushAndClose(context)
        }
    }

    /// A flush at the end of the tick: of this handler's channel, or once of its HTTP/2 connection.
    func flushLater(_ context: ChannelHandlerContext) {
        if let http2 {
            http2.flushLater()
        } else {
            loop.flushes.flushLater(context)
        }
    }

    /// What follows a finished exchange.
    func perform(_ next: ClientConnectionStateMachine.Next) {
        switch next {
        case .close:
            context.map(closeAfterWrites)
        case .handleQueued:
            handleQueue()
        }
    }

    /// Feeds queued pipelined parts in order: each request's body and end go to it, and the next
    /// head waits until the connection is idle again.
    private func handleQueue() {
        guard machine.isQueueing, !isHandlingQueue, let context else { return }
        isHandlingQueue = true
        defer { isHandlingQueue = false }
        while let next = queued.first {
            let isHead = if case .head = next { true } else { false }
            guard machine.mayHandleQueued(isHead: isHead) else { break }
            _ = queued.popFirst()
            handle(next, context: context, fromQueue: true)
        }
        if queued.isEmpty, machine.queueEmptied() { readMore(context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        streamReadComplete()
        context.fireChannelReadComplete()
    }

    /// The client's read is done: what it brought for the upstream goes out.
    func streamReadComplete() {
        if let connection = exchange?.connection, machine.takeUpstreamFlush() {
            connection.handler.context?.flush()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // Shutdown: idle connections close now, busy ones after their response (with Connection: close).
        if machine.drainBegan() { closeAfterWrites(context) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let gatewayError: GatewayError
        switch error as? RequestParseError {
        case .headTooLarge:
            gatewayError = GatewayError(.headersTooLarge, "request head larger than 64 KiB or over 100 fields")
        case .malformed:
            gatewayError = GatewayError(.badRequest, "malformed request")
        case nil:
            Self.flushAndClose(context)
            return
        }
        switch machine.malformedRequest() {
        case .none:
            return
        case .close:
            Self.flushAndClose(context)
            return
        case .refuse(let abandonExchange):
            if abandonExchange, let exchange {
                abandonUpstream(exchange)
                finish(exchange, status: 400)
            }
        }
        let requestID = loop.requestIDs.next()
        writeLocal(
            status: gatewayError.code.status, body: gatewayError.body(requestID: requestID),
            extraHeaders: gatewayError.headers, requestID: requestID, origin: nil, method: .GET, version: .http1_1,
            close: true)
        // The parser refused the head, so method and path are unknown; the request is still logged.
        loop.observer.finished(
            CompletedRequest(
                method: "-", path: "-", audit: RequestAudit(clientAddress: peer.address),
                status: Int(gatewayError.code.status.code), requestID: requestID, duration: 0, upstreamTime: nil))
    }

    // MARK: backpressure

    func read(context: ChannelHandlerContext) {
        if machine.readRequested(upstreamWritable: upstreamWritable) {
            context.read()
        }
    }

    func resumeClientReads() {
        if machine.resumeReads(), let context { readMore(context) }
    }

    /// A read of the client's bytes: from its socket, or its HTTP/2 stream's held frames.
    private func readMore(_ context: ChannelHandlerContext) {
        if let http2 {
            http2.resume()
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        clientWritabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    /// The client takes more bytes, or no more: its socket's, or its HTTP/2 stream's, state.
    func clientWritabilityChanged(_ writable: Bool) {
        clientWritable = writable
        if machine.writabilityChanged(isWritable: writable, now: .now()) {
            exchange?.connection?.handler.resumeReading()
        }
    }

    /// Called by the loop's sweeper: every client-side and upstream-response deadline, in one call.
    func checkDeadlines(now: NIODeadline) {
        guard let context else { return }
        switch machine.deadlinePassed(now: now) {
        case .none:
            break
        case .close:
            closeNow(context)
        case .clientStalled:
            // On HTTP/2 the stream cannot move because the client never opens its window: the
            // whole connection goes (SPEC §17), with a GOAWAY that says why.
            if http2 != nil {
                HTTP2GoAway.clientStalled(context.channel)
            } else {
                Self.flushAndClose(context)
            }
        case .responseTimeout:
            guard let exchange else { return }
            endpointFailed(exchange)
            failBeforeHead(exchange, .responseTimeout)
        }
    }
}
