import NIOCore
import NIOHTTP1

extension ClientHandler {
    /// Runs the pipeline on a new request head and acts on its decision.
    func receiveHead(_ head: ClientRequestHead, started: NIODeadline, context: ChannelHandlerContext) {
        let requestID = RequestIDGenerator.acceptable(head.facts.requestID.single) ?? loop.requestIDs.next()
        let decision = shared.pipeline.decide(
            method: head.method, uri: head.uri, facts: head.facts, peer: peer, requestID: requestID,
            tokens: loop.tokens,
            wallClock: WallClock.now(), monotonic: Double(started.uptimeNanoseconds) / 1e9, routingBy: loop.routing)
        // Consumed, so the plan moves into `startForwarding` (which consumes it too).
        switch consume decision {
        case .respond(let local):
            respondLocally(local, head: head, requestID: requestID, started: started)
        case .forward(let plan):
            startForwarding(plan, head: head, requestID: requestID, started: started)
        }
    }

    func respondLocally(_ local: LocalResponse, head: ClientRequestHead, requestID: RequestID, started: NIODeadline) {
        // An unread body we will not read: close rather than parse it as the next request.
        let close = machine.answeredLocally(
            closeRequested: local.closeConnection || !head.keepsConnection
                || (head.facts.hasBody && (head.facts.expectsContinue || head.facts.hasLargeBody)),
            hasBody: head.facts.hasBody, now: started)
        writeLocal(
            status: local.status, body: local.body, extraHeaders: local.headers, requestID: requestID,
            origin: head.facts.origin, method: head.method, version: head.version, close: close)
        loop.observer.finished(
            CompletedRequest(
                method: head.method.rawValue, path: RequestPath.of(head.uri), audit: local.audit,
                status: Int(local.status.code), requestID: requestID, duration: started.secondsSince,
                upstreamTime: nil))
    }

    /// Writes a whole gateway-made response; closes the connection after it when asked.
    func writeLocal(
        status: HTTPResponseStatus, body: String, extraHeaders: [(String, String)], requestID: RequestID,
        origin: String?, method: HTTPMethod, version: HTTPVersion, close: Bool
    ) {
        guard let context else { return }
        var headers: [(String, String)] = []
        headers.reserveCapacity(2 + extraHeaders.count)
        if !body.isEmpty { headers.append(("Content-Type", "application/json")) }
        headers.append(("Content-Length", String(body.utf8.count)))
        headers += extraHeaders
        let responseVersion: HTTPVersion = version == .http1_0 ? .http1_0 : .http1_1
        var bytes = HeadSerializer.response(
            version: responseVersion, status: status, headers: headers,
            decoration: ResponseDecoration(requestID: requestID, origin: origin, cors: shared.cors, close: close),
            allocator: allocator)
        // A response to HEAD has no body.
        if !method.isHEAD && !body.isEmpty { bytes.writeString(body) }
        send(bytes, context: context)
        endResponse(close: close)
    }

    /// Flushes the response; closes once it is on the wire when asked.
    func endResponse(close: Bool, last: ByteBuffer? = nil) {
        guard let context else { return }
        _ = machine.takeClientFlush()
        if let last { send(last, context: context) }
        if close {
            closeAfterWrites(context)
        } else {
            flushLater(context)
        }
    }

    /// Closes once everything written so far is on the wire: the way a connection ends after a
    /// complete response (flushes otherwise wait for the end of the tick, see `FlushBatch`).
    /// On HTTP/2 the stream, not the connection, ends (`HTTP2Stream.finishAfterResponse`).
    func closeAfterWrites(_ context: ChannelHandlerContext) {
        let promise = context.eventLoop.makePromise(of: Void.self)
        if let http2 {
            promise.futureResult.assumeIsolated().whenComplete { _ in http2.finishAfterResponse() }
        } else {
            let channel = context.channel
            promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
        // An empty write carries the promise: it completes once everything before it is out.
        send(allocator.buffer(capacity: 0), context: context, promise: promise)
        context.flush()
    }
}

/// A request target's path, without its query (for logs: hygiene has its own parse).
enum RequestPath {
    static func of(_ uri: String) -> Substring {
        guard let mark = uri.utf8.firstIndex(of: UInt8(ascii: "?")) else { return uri[...] }
        return uri[..<mark]
    }
}

extension NIODeadline {
    var secondsSince: Double { Double((NIODeadline.now() - self).nanoseconds) / 1e9 }
}
