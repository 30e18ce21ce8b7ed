import NIOCore
import NIOHTTP1

extension ClientHandler: UpstreamDelegate {
    var clientIsWritable: Bool { clientWritable }

    func upstreamReceived(_ part: consuming UpstreamResponsePart) {
        guard let exchange, let context else { return }
        switch consume part {
        case .head(let upstreamHead) where upstreamHead.code == 101:
            // Upgrade is never forwarded, so a 101 is an upstream fault; it never reaches the client.
            failBeforeHead(exchange, .switchingProtocols)
        case .head(let upstreamHead):
            if exchange.rewritable != nil,
                let index = exchange.plan.endpoints.endpoints.firstIndex(where: {
                    $0.endpointID == exchange.plan.upstream.endpointID
                })
            {
                exchange.plan.endpoints.health[index].succeeded()
            }
            exchange.upstreamHeadAt = .now()
            exchange.status = upstreamHead.code
            exchange.upstreamKeepAlive = upstreamHead.keepAlive
            let clientVersion = exchange.clientHead.version
            let length = upstreamHead.contentLength
            let framing = Self.framing(
                code: upstreamHead.code, hasLength: length != nil, method: exchange.clientHead.method,
                clientVersion: clientVersion)
            exchange.responseFraming = framing
            // The upstream's length is kept (also for HEAD, 204, 304: it describes the resource).
            let framingField: ClientResponseHead.FramingField? =
                switch framing {
                case .chunked: .chunked
                case .untilClose: nil
                case .none, .length: length.map { .contentLength($0) }
                }
            if framing == .chunked || framing == .untilClose {
                exchange.isStream = true
                loop.observer.streamOpened()
            }
            let closeConnection = machine.responseHeadSent(untilClose: framing == .untilClose)
            let clientHead = ClientResponseHead.make(
                from: upstreamHead, version: clientVersion == .http1_0 ? .http1_0 : .http1_1,
                context: .init(
                    decoration: ResponseDecoration(
                        requestID: exchange.requestID, origin: exchange.origin, cors: shared.cors,
                        close: closeConnection),
                    rateLimit: exchange.plan.rateLimit.map { (shared.rateLimitHeaders, $0) },
                    location: upstreamHead.locationLines > 0
                        ? .init(match: exchange.plan.match, upstream: exchange.plan.upstream) : nil),
                framing: framingField, allocator: allocator)
            if framing == .length {
                exchange.unsentHead = clientHead
            } else {
                send(clientHead, context: context)
            }
            machine.wroteToClient()
        case .body(let buffer):
            switch exchange.responseFraming {
            case .none:
                return
            case .chunked:
                guard buffer.readableBytes > 0 else { return }
                send(HeadSerializer.chunkHeader(size: buffer.readableBytes, allocator: allocator), context: context)
                send(buffer, context: context)
                send(Self.crlf, context: context)
            case .length, .untilClose:
                if var head = exchange.unsentHead, buffer.readableBytes <= Self.bodyJoinedToHead {
                    exchange.unsentHead = nil
                    head.writeImmutableBuffer(buffer)
                    send(head, context: context)
                } else {
                    writeUnsentHead(exchange)
                    send(buffer, context: context)
                }
            }
            machine.wroteToClient()
        case .end:
            writeUnsentHead(exchange)
            completeExchange(exchange)
        }
    }

    /// How to frame the body for the client: the upstream's length when it gave one, else chunked
    /// (HTTP/1.1) or until close (HTTP/1.0); nothing for HEAD, 1xx, 204 and 304.
    static func framing(
        code: Int, hasLength: Bool, method: HTTPMethod, clientVersion: HTTPVersion
    ) -> ResponseFraming {
        if method.isHEAD || !mayHaveBody(code) { return .none }
        if hasLength { return .length }
        return clientVersion == .http1_0 ? .untilClose : .chunked
    }

    /// Body bytes up to this size are copied behind the head they follow: one write (one
    /// pipeline pass, one iovec) instead of two.
    static let bodyJoinedToHead = 2048

    /// Writes a head held for its body: before anything else goes to the client.
    func writeUnsentHead(_ exchange: Exchange) {
        guard let head = exchange.unsentHead, let context else { return }
        exchange.unsentHead = nil
        send(head, context: context)
    }

    func upstreamReadComplete() {
        if let exchange { writeUnsentHead(exchange) }
        guard let context, machine.takeClientFlush() else { return }
        flushLater(context)
    }

    func upstreamWritabilityChanged(_ writable: Bool) {
        upstreamWritable = writable
        if writable { resumeClientReads() }
    }

    func upstreamFailed(_ error: any Error) {
        guard let exchange else { return }
        actOn(machine.upstreamFailed(reused: exchange.connection?.isReused ?? false), exchange, .exchanging(error))
    }

    /// The upstream response ended: hand the connection back and get ready for the next request.
    private func completeExchange(_ exchange: Exchange) {
        let completion = machine.responseEnded(
            upstreamKeepAlive: exchange.upstreamKeepAlive, untilClose: exchange.responseFraming == .untilClose,
            now: .now())
        setUpstream(nil, of: exchange, release: completion.releaseUpstream ? .pool : .close)
        finish(exchange, status: exchange.status)
        let close = completion.next == .close
        endResponse(close: close, last: exchange.responseFraming == .chunked ? Self.lastChunk : nil)
        if !close { perform(completion.next) }
    }

    static func mayHaveBody(_ code: Int) -> Bool {
        !(code < 200 || code == 204 || code == 304)
    }
}
