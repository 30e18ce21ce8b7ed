import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

extension ClientHandler {
    func startForwarding(
        _ plan: ForwardPlan, head: HTTPRequestHead, facts: RequestHeadFacts, requestID: String, started: NIODeadline
    ) {
        let fields = UpstreamRequestHead.make(
            from: head, plan: plan,
            context: .init(
                requestID: requestID, peer: peer,
                identity: plan.identity, hasBody: facts.hasBody))
        let allocator = context?.channel.allocator ?? ByteBufferAllocator()
        let exchange = Exchange(
            clientHead: head,
            upstreamHead: HeadSerializer.request(
                method: head.method, uri: plan.upstreamURI, headers: fields, allocator: allocator),
            upstreamChunked: !facts.transferEncoding.isEmpty, plan: plan, requestID: requestID, started: started,
            origin: facts.origin)
        state = .forwarding(exchange)
        loop.observer.requestStarted()
        if facts.expectsContinue, let context {
            // We read the body ourselves, so we answer the client's Expect; the upstream never sees it.
            var interim = context.channel.allocator.buffer(capacity: 25)
            interim.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
            context.writeAndFlush(wrapOutboundOut(interim), promise: nil)
        }
        connect(exchange, fresh: false)
    }

    func connect(_ exchange: Exchange, fresh: Bool) {
        if !fresh, let connection = loop.pool.idleConnection(exchange.plan.upstream) {
            attach(connection, to: exchange)
            return
        }
        loop.pool.connect(exchange.plan.upstream).assumeIsolated().whenComplete { result in
            guard case .forwarding(let current) = self.state, current === exchange else {
                if case .success(let connection) = result { connection.channel.close(promise: nil) }
                return
            }
            switch result {
            case .success(let connection):
                self.attach(connection, to: exchange)
            case .failure(let error):
                self.failBeforeHead(exchange, .connecting(error))
            }
        }
    }

    func attach(_ connection: UpstreamConnection, to exchange: Exchange) {
        exchange.connection = connection
        connection.handler.delegate = self
        connection.handler.resumeReading()
        connection.handler.decoder.expectResponse(to: exchange.clientHead.method)
        let channel = connection.channel
        channel.write(exchange.upstreamHead, promise: nil)
        for part in exchange.pending { channel.write(part, promise: nil) }
        exchange.pending.removeAll()
        exchange.upstreamNeedsFlush = false
        loop.flushes.flushLater(channel)
        let now = NIODeadline.now()
        exchange.upstreamSent = now
        // The wait for the response head starts once the whole request is out (like nginx's
        // proxy_read_timeout); a long upload is governed by the progress timeout instead.
        if exchange.requestEnded { exchange.responseDeadline = now + shared.responseTimeout }
        resumeClientReads()
    }

    /// Forwards one piece of the request body, re-chunked when the client sent it chunked.
    func sendUpstream(body: ByteBuffer, _ exchange: Exchange) {
        guard body.readableBytes > 0 else { return }
        if exchange.upstreamChunked {
            let allocator = context?.channel.allocator ?? ByteBufferAllocator()
            sendUpstream(bytes: HeadSerializer.chunkHeader(size: body.readableBytes, allocator: allocator), exchange)
            sendUpstream(bytes: body, exchange)
            sendUpstream(bytes: Self.crlf, exchange)
        } else {
            sendUpstream(bytes: body, exchange)
        }
    }

    /// The request ended: a chunked body gets its last chunk.
    func sendUpstreamEnd(_ exchange: Exchange) {
        if exchange.upstreamChunked { sendUpstream(bytes: Self.lastChunk, exchange) }
    }

    private func sendUpstream(bytes: ByteBuffer, _ exchange: Exchange) {
        if let connection = exchange.connection {
            connection.channel.write(bytes, promise: nil)
            exchange.upstreamNeedsFlush = true
        } else {
            exchange.pending.append(bytes)
        }
    }

    static let crlf = ByteBuffer(string: "\r\n")
    static let lastChunk = ByteBuffer(string: "0\r\n\r\n")

    /// The upstream failed before any response byte reached the client: answer 502 or 504.
    func failBeforeHead(_ exchange: Exchange, _ failure: UpstreamFailure) {
        abandonUpstream(exchange)
        record(failure, of: exchange)
        let error =
            failure.kind == .timeout
            ? GatewayError(.gatewayTimeout, "the upstream service did not answer in time")
            : GatewayError(.badGateway, "the upstream service is unreachable or failed")
        let close = !exchange.requestEnded || !exchange.clientKeepAlive || isDraining
        exchange.status = Int(error.code.status.code)
        writeLocal(
            status: error.code.status, body: error.body(requestID: exchange.requestID), extraHeaders: [],
            requestID: exchange.requestID, origin: exchange.origin, method: exchange.clientHead.method,
            version: exchange.clientHead.version, close: close)
        finish(exchange, status: exchange.status)
        if close {
            state = .closed
        } else {
            exchangeFinished()
        }
    }

    /// Drops the upstream side of an exchange: its request is cancelled by closing the connection.
    func abandonUpstream(_ exchange: Exchange) {
        exchange.clearDeadlines()
        if let connection = exchange.connection {
            connection.handler.delegate = nil
            connection.channel.close(promise: nil)
            exchange.connection = nil
        }
    }

    /// Counts an upstream failure and keeps its cause for the access log and the debug log.
    func record(_ failure: UpstreamFailure, of exchange: Exchange) {
        exchange.failure = failure
        loop.observer.upstreamError(exchange.plan.service, failure.kind)
        shared.logger.debug(
            "upstream failed",
            metadata: [
                "service": "\(exchange.plan.service.rawValue)", "kind": "\(failure.kind.rawValue)",
                "cause": "\(failure.cause)", "request_id": "\(exchange.requestID)",
            ])
    }

    /// Logs and counts a finished exchange.
    func finish(_ exchange: Exchange, status: Int) {
        exchange.clearDeadlines()
        if exchange.isStream {
            exchange.isStream = false
            loop.observer.streamClosed()
        }
        loop.observer.requestEnded()
        let upstreamTime: Double? =
            if let sent = exchange.upstreamSent, let head = exchange.upstreamHeadAt {
                Double((head - sent).nanoseconds) / 1e9
            } else { nil }
        loop.observer.finished(
            CompletedRequest(
                method: exchange.clientHead.method.rawValue, path: RequestPath.of(exchange.clientHead.uri),
                audit: exchange.plan.audit, status: status, requestID: exchange.requestID,
                duration: exchange.started.secondsSince, upstreamTime: upstreamTime, upstreamError: exchange.failure?.cause))
    }

    static func isTimeout(_ error: any Error) -> Bool {
        if let channelError = error as? ChannelError, case .connectTimeout = channelError { return true }
        if let connectionError = error as? NIOConnectionError {
            return connectionError.connectionErrors.contains { isTimeout($0.error) }
        }
        return false
    }
}
