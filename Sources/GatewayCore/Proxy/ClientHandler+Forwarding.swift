import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

extension ClientHandler {
    /// Takes the plan (`consuming`): it moves into the exchange instead of being copied.
    func startForwarding(
        _ plan: consuming ForwardPlan, head: ClientRequestHead, requestID: RequestID, started: NIODeadline
    ) {
        let balanced = plan.endpoints.endpoints.count > 1
        if balanced {
            plan.retarget(loop.balancer.pick(plan.endpoints, avoiding: nil, now: Int64(started.uptimeNanoseconds)))
        }
        let headContext = UpstreamRequestHead.Context(requestID: requestID, peer: peer, hasBody: head.facts.hasBody)
        loop.balancer.began(endpoint: plan.upstream.endpointID, service: plan.endpoints.serviceID)
        let upstreamHead = upstreamHead(head.fields, method: head.method, plan: plan, context: headContext)
        let exchange = Exchange(
            clientHead: ClientRequestLine(method: head.method, version: head.version, uri: head.uri),
            upstreamHead: upstreamHead,
            // A service with several endpoints keeps what a retry elsewhere writes again.
            rewritable: balanced ? (head.fields, headContext) : nil,
            upstreamChunked: !head.facts.transferEncoding.isEmpty, plan: consume plan,
            requestID: requestID, started: started, origin: head.facts.origin)
        self.exchange = exchange
        upstreamWritable = false
        machine.forwardingStarted(clientKeepAlive: head.keepsConnection, hasBody: head.facts.hasBody, now: started)
        loop.observer.requestStarted()
        if head.facts.expectsContinue, let context {
            // We read the body ourselves, so we answer the client's Expect; the upstream never sees it.
            var interim = allocator.buffer(capacity: 25)
            interim.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
            send(interim, context: context)
            context.flush()
        }
        connect(exchange, fresh: false)
    }

    /// The head sent upstream for `plan`: written from the client's bytes (HTTP/1.1) or from its
    /// field list (HTTP/2).
    func upstreamHead(
        _ fields: ClientRequestHead.Fields, method: HTTPMethod, plan: ForwardPlan,
        context headContext: UpstreamRequestHead.Context
    ) -> ByteBuffer {
        switch fields {
        case .raw(let raw):
            return UpstreamRequestHead.write(
                raw: raw, method: method, uri: plan.upstreamURI, plan: plan, context: headContext, allocator: allocator)
        case .list(let headers):
            return HeadSerializer.request(
                method: method, uri: plan.upstreamURI,
                headers: UpstreamRequestHead.make(from: headers, plan: plan, context: headContext), allocator: allocator
            )
        }
    }

    func connect(_ exchange: Exchange, fresh: Bool) {
        if !fresh, let connection = loop.pool.idleConnection(exchange.plan.upstream) {
            attach(connection, to: exchange)
            return
        }
        loop.pool.connect(exchange.plan.upstream).assumeIsolated().whenComplete { result in
            guard self.exchange === exchange, self.machine.forwarding?.upstream == .connecting else {
                if case .success(let connection) = result { connection.channel.close(promise: nil) }
                return
            }
            switch result {
            case .success(let connection):
                self.attach(connection, to: exchange)
            case .failure(let error):
                // Nothing reached the upstream: safe to try once more, elsewhere when there is an elsewhere.
                self.actOn(self.machine.connectFailed(), exchange, .connecting(error))
            }
        }
    }

    func attach(_ connection: UpstreamConnection, to exchange: Exchange) {
        setUpstream(connection, of: exchange)
        connection.handler.resumeReading()
        connection.handler.decoder.expectResponse(to: exchange.clientHead.method)
        let upstream = connection.handler
        upstream.write(exchange.upstreamHead)
        if !exchange.pending.isEmpty {
            for part in exchange.pending { upstream.write(part) }
            exchange.pending.removeAll()
        }
        if let upstreamContext = upstream.context { loop.flushes.flushLater(upstreamContext) }
        let now = NIODeadline.now()
        exchange.upstreamSent = now
        machine.upstreamAttached(now: now)
        resumeClientReads()
    }

    /// How an exchange lets go of its upstream connection.
    enum UpstreamRelease {
        /// Back to the loop's pool for the next request.
        case pool
        /// Closed: whatever it was doing is cancelled.
        case close
    }

    /// The one place an upstream connection changes hands: the exchange takes `connection` (and
    /// the connection reports to this handler), or gives back the one it had.
    func setUpstream(_ connection: UpstreamConnection?, of exchange: Exchange, release: UpstreamRelease = .close) {
        if let old = exchange.connection, old !== connection {
            old.handler.delegate = nil
            switch release {
            case .pool: loop.pool.release(old)
            case .close: old.channel.close(promise: nil)
            }
        }
        exchange.connection = connection
        connection?.handler.delegate = self
        if exchange === self.exchange { upstreamWritable = connection?.channel.isWritable ?? false }
    }

    /// Acts on an upstream failure before the response ended (a failed connect included).
    func actOn(
        _ action: ClientConnectionStateMachine.UpstreamFailureAction, _ exchange: Exchange, _ failure: UpstreamFailure
    ) {
        switch action {
        case .none:
            return
        case .cutResponse:
            // Part of the response is out: end it abruptly so the client cannot mistake it for whole.
            writeUnsentHead(exchange)
            setUpstream(nil, of: exchange)
            record(failure, of: exchange)
            finish(exchange, status: exchange.status)
            // What arrived before the failure goes out first: the head and a short body, then the cut.
            _ = machine.takeClientFlush()
            context.map(closeNow)
        case .retryOrAnswer(let countAgainstEndpoint, let mayRetry):
            if countAgainstEndpoint { endpointFailed(exchange) }
            if mayRetry, retry(exchange) { return }
            failBeforeHead(exchange, failure)
        }
    }

    /// Counts a failure against the exchange's endpoint (SPEC §15): a connect that failed or timed
    /// out, a fresh connection reset before the response head, or a response-head timeout.
    func endpointFailed(_ exchange: Exchange) {
        let endpoints = exchange.plan.endpoints
        guard endpoints.endpoints.count > 1,
            let index = endpoints.endpoints.firstIndex(where: { $0.endpointID == exchange.plan.upstream.endpointID })
        else { return }
        let now = Int64(NIODeadline.now().uptimeNanoseconds)
        let ejected = endpoints.health[index].failed(at: now, baseEjection: loop.ejectionBase) {
            endpoints.mayEjectAnother(at: now)
        }
        if ejected {
            loop.observer.upstreamEjected(endpoints.service)
            shared.logger.warning(
                "upstream endpoint ejected",
                metadata: [
                    "service": "\(endpoints.service.rawValue)", "endpoint": "\(exchange.plan.upstream.authority)",
                ])
        }
    }

    /// Tries the request once more on a fresh connection (SPEC §15): on another endpoint when the
    /// service has one, within the service's retry budget. Body parts queued for the upstream
    /// while connecting never left, so they go to the next one as they are.
    func retry(_ exchange: Exchange) -> Bool {
        guard let forwarding = machine.forwarding else { return false }
        let endpoints = exchange.plan.endpoints
        guard loop.balancer.takeRetry(service: endpoints.serviceID) else { return false }
        let keepPending = forwarding.upstream == .connecting
        machine.retrying()
        exchange.retryCounted = true
        loop.observer.upstreamRetried(endpoints.service)
        let failed = exchange.plan.upstream.endpointID
        if let rewritable = exchange.rewritable {
            let next = loop.balancer.pick(endpoints, avoiding: failed, now: Int64(NIODeadline.now().uptimeNanoseconds))
            if next.endpointID != failed {
                loop.balancer.moved(from: failed, to: next.endpointID)
                exchange.plan.retarget(next)
                exchange.upstreamHead = upstreamHead(
                    rewritable.fields, method: exchange.clientHead.method, plan: exchange.plan,
                    context: rewritable.context)
            }
        }
        setUpstream(nil, of: exchange)
        if !keepPending {
            exchange.pending = forwarding.requestEnded && exchange.upstreamChunked ? [Self.lastChunk] : []
        }
        connect(exchange, fresh: true)
        return true
    }

    /// Forwards one piece of the request body, re-chunked when the client sent it chunked.
    func sendUpstream(body: ByteBuffer, _ exchange: Exchange) {
        guard body.readableBytes > 0 else { return }
        if exchange.upstreamChunked {
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
            connection.handler.write(bytes)
            machine.wroteUpstream()
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
        let next = machine.answeredBeforeResponse(now: .now())
        let close = next == .close
        exchange.status = Int(error.code.status.code)
        writeLocal(
            status: error.code.status, body: error.body(requestID: exchange.requestID), extraHeaders: [],
            requestID: exchange.requestID, origin: exchange.origin, method: exchange.clientHead.method,
            version: exchange.clientHead.version, close: close)
        finish(exchange, status: exchange.status)
        // On close, `writeLocal` already closes after the answer.
        if next == .handleQueued { perform(next) }
    }

    /// Drops the upstream side of an exchange: its request is cancelled by closing the connection.
    func abandonUpstream(_ exchange: Exchange) {
        setUpstream(nil, of: exchange)
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
        if self.exchange === exchange { self.exchange = nil }
        loop.balancer.ended(
            endpoint: exchange.plan.upstream.endpointID, service: exchange.plan.endpoints.serviceID,
            retried: exchange.retryCounted)
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
                duration: exchange.started.secondsSince, upstreamTime: upstreamTime,
                upstreamError: exchange.failure?.cause))
    }

    static func isTimeout(_ error: any Error) -> Bool {
        if let channelError = error as? ChannelError, case .connectTimeout = channelError { return true }
        if let connectionError = error as? NIOConnectionError {
            return connectionError.connectionErrors.contains { isTimeout($0.error) }
        }
        return false
    }
}
