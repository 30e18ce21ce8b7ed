import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import GatewayCore

/// What the gateway's upstream parser made of some bytes.
struct ParsedUpstream {
    var parts: [UpstreamResponsePart] = []
    var failed = false

    /// Feeds `reads` to a fresh `UpstreamHandler` (its parser expecting a response to `method`),
    /// then the end of the connection when `close`.
    static func run(_ reads: [ArraySlice<UInt8>], method: HTTPMethod, close: Bool = true) -> ParsedUpstream {
        let handler = UpstreamHandler()
        handler.decoder.expectResponse(to: method)
        let recorder = Recorder()
        handler.delegate = recorder
        let channel = EmbeddedChannel(handler: handler)
        for read in reads {
            // What the parser delivered before an error still counts.
            _ = try? channel.writeInbound(Fuzz.buffer(read))
            if recorder.failed { break }
        }
        if close { _ = try? channel.finish() }
        let result = ParsedUpstream(parts: recorder.parts, failed: recorder.failed)
        if !close { _ = try? channel.finish() }
        // A closed channel removes its handlers on the loop's next turn; until then the handler
        // holds its context, and the context the handler.
        channel.embeddedEventLoop.run()
        return result
    }

    /// What `UpstreamHandler` hands the exchange holding its connection.
    final class Recorder: UpstreamDelegate {
        var parts: [UpstreamResponsePart] = []
        /// The bytes broke the framing (a closed connection alone is no failure here).
        var failed = false
        func upstreamReceived(_ part: UpstreamResponsePart) { parts.append(part) }
        func upstreamReadComplete() {}
        func upstreamWritabilityChanged(_ writable: Bool) {}
        func upstreamFailed(_ error: any Error) { failed = failed || error is UpstreamResponseError }
        var clientIsWritable: Bool { true }
    }

    var heads: [UpstreamResponseHead] {
        parts.compactMap { if case .head(let head) = $0 { head } else { nil } }
    }

    /// Body bytes and ends, in order: `[head, body…, end]` per response, flattened.
    var summary: [String] {
        var out: [String] = []
        var body: [UInt8] = []
        for part in parts {
            switch part {
            case .head(let head):
                out.append("head \(head.status.code) \(head.contentLength.map(String.init) ?? "-") \(head.keepAlive)")
            case .body(let buffer):
                body += Fuzz.bytes(buffer)
            case .end:
                out.append("body \(body)")
                out.append("end")
                body = []
            }
        }
        if !body.isEmpty { out.append("body \(body)") }
        return out
    }
}

extension Fuzz {
    static func responseContext(cors: CORSPolicy) -> ClientResponseHead.Context {
        ClientResponseHead.Context(
            decoration: ResponseDecoration(
                requestID: "fuzz-request-id", origin: "https://app.example", cors: cors, close: false),
            rateLimit: (
                RateLimitHeaders(burst: 10, perMinute: 100),
                RateLimitDecision(allowed: true, limit: 10, remaining: 9, retryAfterSeconds: 1, resetSeconds: 1)
            ),
            location: .init(
                match: RouteMatch(
                    route: aegisRoutes[0], routeIndex: 0, internalPath: "/conversations/1",
                    publicPrefix: "/api/v1/conversations", internalPrefix: "/conversations"),
                upstream: UpstreamURL(host: "up.internal", port: 8001, basePath: "/v2")))
    }

    /// Upstream response bytes through the parser and the client head writer. The client head
    /// must parse strictly, hold no control byte in a value, carry every value it forwards byte
    /// for byte, and change a Location in its prefix only.
    public static func upstreamResponse(_ input: UnsafeRawBufferPointer) {
        guard let flags = input.first else { return }
        let payload = Array(input.dropFirst())
        let method: HTTPMethod = flags & 0x40 != 0 ? .HEAD : .GET
        let context = responseContext(
            cors: flags & 0x80 != 0 ? CORSPolicy(origins: .list(["https://app.example"])) : CORSPolicy(origins: .any))
        let parsed = ParsedUpstream.run(reads(payload, seed: flags & 0x3F), method: method)
        for head in parsed.heads {
            checkClientHead(for: head, context: context)
        }
    }

    static func checkClientHead(for head: UpstreamResponseHead, context: borrowing ClientResponseHead.Context) {
        let framing = head.contentLength.map { ClientResponseHead.FramingField.contentLength($0) }
        let out = Fuzz.bytes(
            ClientResponseHead.make(
                from: head, version: .http1_1, context: context, framing: framing, allocator: ByteBufferAllocator()))
        guard let wire = WireHead.parse(out) else {
            require(false, "client head does not parse: \(String(decoding: out, as: UTF8.self).debugDescription)")
            return
        }
        require(wire.startLine.starts(with: Array("HTTP/1.1 \(head.status.code) ".utf8)), "status line")
        let input = FieldLine.split(Fuzz.bytes(head.fields.bytes))
        let owned: Set<String> = [
            "x-request-id", "connection", "content-length", "transfer-encoding", "ratelimit", "ratelimit-policy",
            "vary",
        ]
        var names = Set<[UInt8]>()
        for field in wire.fields { names.insert(field.lowercasedName) }
        for name in names {
            let text = String(decoding: name, as: UTF8.self)
            if owned.contains(text) || text.hasPrefix("access-control-") { continue }
            let sent = wire.fields.filter { $0.lowercasedName == name }.map(\.value)
            let received = input.filter { $0.lowercasedName == name }.map(\.value)
            require(sent.count == received.count, "\(text): \(received.count) received, \(sent.count) sent")
            if text == "location" {
                let prefix = Array(context.location!.publicPrefix.utf8)
                for (s, r) in zip(sent, received) where s != r {
                    require(
                        s.starts(with: prefix) && r.count >= s.count - prefix.count
                            && Array(r.suffix(s.count - prefix.count)) == Array(s.dropFirst(prefix.count)),
                        "Location changed beyond its prefix")
                }
            } else {
                require(sent == received, "\(text) not forwarded byte for byte")
            }
        }
        require(wire.values("x-request-id") == [Array("fuzz-request-id".utf8)], "one X-Request-ID, the gateway's")
        require(wire.values("content-length").count <= 1, "at most one Content-Length")
        if context.decoration.cors.variesByOrigin {
            require(wire.values("vary").count == 1, "one merged Vary")
        }
    }
}
