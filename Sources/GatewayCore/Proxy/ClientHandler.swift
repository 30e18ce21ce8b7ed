import NIOCore
import NIOHTTP1

/// The gateway's one handler per client connection, after the HTTP codec.
///
/// At each request head it runs the pipeline (a synchronous decision), then either answers itself
/// or relays the request to a pooled upstream connection on the same event loop and the response
/// back, part by part, holding reads on whichever side is faster (backpressure). No task hops, no
/// buffering of whole bodies.
final class ClientHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

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
    var peer: IPAddress = .v4(0)
    var readPending = false
    var clientNeedsFlush = false
    var writeStallTimer: Scheduled<Void>?

    init(shared: GatewayShared, loop: LoopContext, headTimeout: HeadTimeoutHandler) {
        self.shared = shared
        self.loop = loop
        self.headTimeout = headTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let address = context.channel.remoteAddress, let ip = IPAddress(address) {
            peer = ip.unmappedIPv4
        }
        loop.connections[ObjectIdentifier(context.channel)] = context.channel
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        loop.connections.removeValue(forKey: ObjectIdentifier(context.channel))
        writeStallTimer?.cancel()
        if case .forwarding(let exchange) = state {
            abandonUpstream(exchange)
            finish(exchange, status: exchange.responseHeadSent ? exchange.status : 499)
        }
        state = .closed
        context.fireChannelInactive()
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            headTimeout.requestStarted()
            receiveHead(head, context: context)
        case .body(let buffer):
            guard case .forwarding(let exchange) = state else { return }
            exchange.sentBodyBytes = true
            sendUpstream(.body(.byteBuffer(buffer)), exchange)
            armBodyStall(exchange)
        case .end:
            switch state {
            case .forwarding(let exchange):
                exchange.requestEnded = true
                exchange.bodyStallTimer?.cancel()
                exchange.bodyStallTimer = nil
                sendUpstream(.end(nil), exchange)
                resumeClientReads()
            case .local:
                // The answer went out at the head; the exchange is over once the body is drained.
                state = .idle
                headTimeout.exchangeFinished()
            default: break
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .forwarding(let exchange) = state, exchange.upstreamNeedsFlush, let connection = exchange.connection {
            exchange.upstreamNeedsFlush = false
            connection.channel.flush()
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.close(promise: nil)
            return
        }
        if case .forwarding(let exchange) = state {
            guard !exchange.responseHeadSent else {
                context.close(promise: nil)
                return
            }
            abandonUpstream(exchange)
            state = .idle
        }
        let gatewayError: GatewayError
        switch parserError {
        case .headerOverflow:
            gatewayError = GatewayError(.headersTooLarge, "request head larger than 64 KiB or over 100 fields")
        default:
            gatewayError = GatewayError(.badRequest, "malformed request")
        }
        sendError(gatewayError, requestID: loop.requestIDs.next(), head: nil, close: true)
    }

    // MARK: backpressure

    func read(context: ChannelHandlerContext) {
        if case .forwarding(let exchange) = state, !exchange.requestEnded,
            exchange.connection.map({ !$0.channel.isWritable }) ?? true
        {
            readPending = true
            return
        }
        context.read()
    }

    func resumeClientReads() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            writeStallTimer?.cancel()
            writeStallTimer = nil
            if case .forwarding(let exchange) = state { exchange.connection?.handler.resumeReading() }
        } else if writeStallTimer == nil {
            let channel = context.channel
            writeStallTimer = context.eventLoop.scheduleTask(in: shared.progressTimeout) { channel.close(promise: nil) }
        }
        context.fireChannelWritabilityChanged()
    }

    private func armBodyStall(_ exchange: Exchange) {
        exchange.bodyStallTimer?.cancel()
        guard let channel = context?.channel else { return }
        exchange.bodyStallTimer = channel.eventLoop.scheduleTask(in: shared.progressTimeout) {
            channel.close(promise: nil)
        }
    }
}
