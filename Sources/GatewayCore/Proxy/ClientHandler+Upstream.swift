import NIOCore
import NIOHTTP1

extension ClientHandler: UpstreamDelegate {
    var clientIsWritable: Bool { context?.channel.isWritable ?? true }

    func upstreamReceived(_ part: UpstreamResponsePart) {
        guard case .forwarding(let exchange) = state, let context else { return }
        switch part {
        case .head(let upstreamHead) where upstreamHead.status == .switchingProtocols:
            // Upgrade is never forwarded, so a 101 is an upstream fault; it never reaches the client.
            failBeforeHead(exchange, .switchingProtocols)
        case .head(let upstreamHead):
            if exchange.upstreamFields != nil, let index = exchange.plan.endpoints.endpoints.firstIndex(where: {
                $0.endpointID == exchange.plan.upstream.endpointID
            }) {
                exchange.plan.endpoints.health[index].succeeded()
            }
            exchange.responseDeadline = .distantFuture
            exchange.upstreamHeadAt = .now()
            exchange.status = Int(upstreamHead.status.code)
            exchange.upstreamKeepAlive = upstreamHead.keepAlive
            let clientVersion = exchange.clientHead.version
            let length = upstreamHead.contentLength
            let framing = Self.framing(
                status: upstreamHead.status, hasLength: length != nil, method: exchange.clientHead.method,
                clientVersion: clientVersion)
            exchange.responseFraming = framing
            // The upstream's length is kept (also for HEAD, 204, 304: it describes the resource).
            let framingField: (String, String)? =
                switch framing {
                case .chunked: ("Transfer-Encoding", "chunked")
                case .untilClose: nil
                case .none, .length: length.map { ("Content-Length", String($0)) }
                }
            if framing == .chunked || framing == .untilClose {
                exchange.isStream = true
                loop.observer.streamOpened()
            }
            exchange.responseHeadSent = true
            context.write(
                wrapOutboundOut(
                    ClientResponseHead.make(
                        from: upstreamHead, version: clientVersion == .http1_0 ? .http1_0 : .http1_1,
                        context: .init(
                            requestID: exchange.requestID, origin: exchange.origin, cors: shared.cors,
                            rateLimitHeaders: exchange.plan.rateLimit.map(shared.rateLimitHeaders.values(for:)),
                            closeConnection: !exchange.clientKeepAlive || isDraining || framing == .untilClose,
                            match: exchange.plan.match, upstream: exchange.plan.upstream),
                        framing: framingField, allocator: context.channel.allocator)),
                promise: nil)
            clientNeedsFlush = true
        case .body(let buffer):
            switch exchange.responseFraming {
            case .none:
                return
            case .chunked:
                guard buffer.readableBytes > 0 else { return }
                context.write(
                    wrapOutboundOut(HeadSerializer.chunkHeader(size: buffer.readableBytes, allocator: context.channel.allocator)),
                    promise: nil)
                context.write(wrapOutboundOut(buffer), promise: nil)
                context.write(wrapOutboundOut(Self.crlf), promise: nil)
            case .length, .untilClose:
                context.write(wrapOutboundOut(buffer), promise: nil)
            }
            clientNeedsFlush = true
        case .end:
            completeExchange(exchange)
        }
    }

    /// How to frame the body for the client: the upstream's length when it gave one, else chunked
    /// (HTTP/1.1) or until close (HTTP/1.0); nothing for HEAD, 1xx, 204 and 304.
    static func framing(
        status: HTTPResponseStatus, hasLength: Bool, method: HTTPMethod, clientVersion: HTTPVersion
    ) -> ResponseFraming {
        if method == .HEAD || !mayHaveBody(status) { return .none }
        if hasLength { return .length }
        return clientVersion == .http1_0 ? .untilClose : .chunked
    }

    func upstreamReadComplete() {
        guard clientNeedsFlush, let context else { return }
        clientNeedsFlush = false
        loop.flushes.flushLater(context.channel)
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
            record(.exchanging(error), of: exchange)
            finish(exchange, status: exchange.status)
            state = .closed
            // What arrived before the failure goes out first: the head and a short body, then the cut.
            clientNeedsFlush = false
            context.map(Self.flushAndClose)
            return
        }
        if let connection = exchange.connection, connection.isReused {
            // The upstream closed a kept-alive connection as we reused it (the usual keep-alive race,
            // not a fault of the endpoint): no body byte left, so try once more on a fresh one.
            if !exchange.sentBodyBytes, retry(exchange, keepPending: false) { return }
        } else {
            endpointFailed(exchange)
        }
        failBeforeHead(exchange, .exchanging(error))
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
        let close =
            !exchange.clientKeepAlive || !exchange.requestEnded || isDraining || exchange.responseFraming == .untilClose
        state = close ? .closed : .idle
        endResponse(close: close, last: exchange.responseFraming == .chunked ? Self.lastChunk : nil)
        if !close { exchangeFinished() }
    }

    static func mayHaveBody(_ status: HTTPResponseStatus) -> Bool {
        let code = status.code
        return !(code < 200 || code == 204 || code == 304)
    }
}
