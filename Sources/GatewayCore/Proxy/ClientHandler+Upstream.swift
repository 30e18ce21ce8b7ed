import NIOCore
import NIOHTTP1

extension ClientHandler: UpstreamDelegate {
    var clientIsWritable: Bool { context?.channel.isWritable ?? true }

    func upstreamReceived(_ part: HTTPClientResponsePart) {
        guard case .forwarding(let exchange) = state, let context else { return }
        switch part {
        case .head(let upstreamHead) where upstreamHead.status == .switchingProtocols:
            // Upgrade is never forwarded, so a 101 is an upstream fault; it never reaches the client.
            failBeforeHead(exchange, kind: .reset)
        case .head(let upstreamHead):
            exchange.responseDeadline = .distantFuture
            exchange.upstreamHeadAt = .now()
            exchange.status = Int(upstreamHead.status.code)
            exchange.upstreamKeepAlive = upstreamHead.isKeepAlive
            var head = ClientResponseHead.make(
                from: upstreamHead,
                context: .init(
                    requestID: exchange.requestID, origin: exchange.origin, cors: shared.cors,
                    rateLimitHeaders: exchange.plan.rateLimit.map(shared.rateLimitHeaders.values(for:)),
                    closeConnection: !exchange.clientKeepAlive || isDraining, match: exchange.plan.match,
                    upstream: exchange.plan.upstream))
            if exchange.clientHead.version == .http1_0 { head.version = .http1_0 }
            if !head.headers.contains(name: "content-length") && Self.mayHaveBody(upstreamHead.status)
                && exchange.clientHead.method != .HEAD
            {
                exchange.isStream = true
                loop.observer.streamOpened()
            }
            exchange.responseHeadSent = true
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            clientNeedsFlush = true
        case .body(let buffer):
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            clientNeedsFlush = true
        case .end:
            completeExchange(exchange)
        }
    }

    func upstreamReadComplete() {
        guard clientNeedsFlush, let context else { return }
        clientNeedsFlush = false
        context.flush()
    }

    func upstreamWritabilityChanged(_ writable: Bool) {
        if writable { resumeClientReads() }
    }

    func upstreamFailed(_ error: any Error) {
        guard case .forwarding(let exchange) = state else { return }
        exchange.connection?.handler.delegate = nil
        if exchange.responseHeadSent {
            // Part of the response is out: end it abruptly so the client cannot mistake it for whole.
            exchange.connection = nil
            loop.observer.upstreamError(exchange.plan.service, .reset)
            finish(exchange, status: exchange.status)
            state = .closed
            context?.close(promise: nil)
            return
        }
        if let connection = exchange.connection, connection.isReused, !exchange.retried, !exchange.sentBodyBytes {
            // The upstream closed a kept-alive connection as we reused it: nothing reached it, try a fresh one.
            exchange.retried = true
            exchange.connection = nil
            exchange.pending = exchange.requestEnded ? [.end(nil)] : []
            connect(exchange, fresh: true)
            return
        }
        failBeforeHead(exchange, kind: .reset)
    }

    /// The upstream response ended: hand the connection back and get ready for the next request.
    private func completeExchange(_ exchange: Exchange) {
        if let connection = exchange.connection {
            exchange.connection = nil
            if exchange.upstreamKeepAlive && exchange.requestEnded {
                loop.pool.release(connection)
            } else {
                connection.handler.delegate = nil
                connection.channel.close(promise: nil)
            }
        }
        finish(exchange, status: exchange.status)
        let close = !exchange.clientKeepAlive || !exchange.requestEnded || isDraining
        state = close ? .closed : .idle
        endResponse(close: close)
        if !close { exchangeFinished() }
    }

    static func mayHaveBody(_ status: HTTPResponseStatus) -> Bool {
        let code = status.code
        return !(code < 200 || code == 204 || code == 304)
    }
}
