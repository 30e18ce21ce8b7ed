import NIOCore
import NIOHTTP1

extension ClientHandler {
    /// Runs the pipeline on a new request head and acts on its decision.
    func receiveHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let started = NIODeadline.now()
        let requestID = RequestIDGenerator.acceptable(head.headers["x-request-id"]) ?? loop.requestIDs.next()
        let decision = shared.pipeline.decide(
            head, peer: peer, requestID: requestID, tokens: loop.tokens, wallClock: WallClock.now(),
            monotonic: Double(started.uptimeNanoseconds) / 1e9)
        switch decision {
        case .respond(let local):
            respondLocally(local, head: head, requestID: requestID, started: started)
        case .forward(let plan):
            startForwarding(plan, head: head, requestID: requestID, started: started)
        }
    }

    func respondLocally(_ local: LocalResponse, head: HTTPRequestHead, requestID: String, started: NIODeadline) {
        var close = local.closeConnection || !head.isKeepAlive || isDraining
        // An unread body we will not read: close rather than parse it as the next request.
        if RequestFraming.hasBody(head.headers)
            && (RequestFraming.expectsContinue(head.headers) || RequestFraming.isLarge(head.headers))
        {
            close = true
        }
        writeLocal(
            status: local.status, body: local.body, extraHeaders: local.headers, requestID: requestID,
            origin: head.headers.first(name: "origin"), method: head.method, version: head.version, close: close)
        loop.observer.finished(
            CompletedRequest(
                method: head.method.rawValue, path: RequestFraming.path(of: head.uri), audit: local.audit,
                status: Int(local.status.code), requestID: requestID, duration: started.secondsSince,
                upstreamTime: nil))
        state = close ? .closed : .local
    }

    /// Writes a whole gateway-made response; closes the connection after it when asked.
    func writeLocal(
        status: HTTPResponseStatus, body: String, extraHeaders: [(String, String)], requestID: String,
        origin: String?, method: HTTPMethod, version: HTTPVersion, close: Bool
    ) {
        guard let context else { return }
        var headers = HTTPHeaders()
        if !body.isEmpty { headers.add(name: "Content-Type", value: "application/json") }
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        ResponseDecoration.decorate(&headers, requestID: requestID, origin: origin, cors: shared.cors, close: close)
        let responseVersion: HTTPVersion = version == .http1_0 ? .http1_0 : .http1_1
        if method == .CONNECT {
            // NIO's encoder sends no body after a CONNECT; the refusal is written as bytes instead.
            var raw = context.channel.allocator.buffer(capacity: 512 + body.utf8.count)
            raw.writeString("HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n")
            for (name, value) in headers { raw.writeString("\(name): \(value)\r\n") }
            raw.writeString("\r\n" + body)
            headTimeout.writeRawAndClose(raw)
            state = .closed
            return
        }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: responseVersion, status: status, headers: headers))), promise: nil)
        if method != .HEAD && !body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        endResponse(close: close)
    }

    /// Writes `.end` and flushes; closes once it is on the wire when asked.
    func endResponse(close: Bool) {
        guard let context else { return }
        clientNeedsFlush = false
        if close {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    func sendError(_ error: GatewayError, requestID: String, head: HTTPRequestHead?, close: Bool) {
        writeLocal(
            status: error.code.status, body: error.body(requestID: requestID), extraHeaders: error.headers,
            requestID: requestID, origin: head?.headers.first(name: "origin"), method: head?.method ?? .GET,
            version: head?.version ?? .http1_1, close: close)
        if close { state = .closed }
    }
}

/// Facts about a request's framing, read from its head.
enum RequestFraming {
    /// Bodies above this are not drained after a local answer: the connection is closed instead.
    static let drainLimit = 1 << 20

    static func hasBody(_ headers: HTTPHeaders) -> Bool {
        if headers.contains(name: "transfer-encoding") { return true }
        if let length = headers.first(name: "content-length"), let n = Int(length) { return n > 0 }
        return false
    }

    static func isLarge(_ headers: HTTPHeaders) -> Bool {
        if headers.contains(name: "transfer-encoding") { return true }
        if let length = headers.first(name: "content-length"), let n = Int(length) { return n > drainLimit }
        return false
    }

    static func expectsContinue(_ headers: HTTPHeaders) -> Bool {
        headers.first(name: "expect").map { $0.lowercased() == "100-continue" } ?? false
    }

    static func path(of uri: String) -> Substring {
        let s = Substring(uri)
        if let q = s.firstIndex(of: "?") { return s[..<q] }
        return s
    }
}

extension NIODeadline {
    var secondsSince: Double { Double((NIODeadline.now() - self).nanoseconds) / 1e9 }
}
