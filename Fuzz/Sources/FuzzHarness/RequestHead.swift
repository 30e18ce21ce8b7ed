import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import GatewayCore

extension Fuzz {
    static let pipeline: RequestPipeline = {
        var configuration = GatewayConfiguration()
        configuration.jwtSecret = secret
        configuration.trustedProxies = [CIDR(parsing: "10.0.0.0/8")!, CIDR(parsing: "fd00::/8")!]
        configuration.corsAllowedOrigins = .list(["https://app.example"])
        configuration.rateLimitPerMinute = 6_000_000_000
        configuration.rateLimitBurst = 1_000_000_000
        return RequestPipeline(configuration: configuration, readiness: Readiness())
    }()
    static let peers = ["127.0.0.1", "10.1.2.3", "2001:db8::7", "fd00::1", "::ffff:10.9.9.9"].map {
        IPAddress(parsing: $0)!
    }

    /// Client bytes through the gateway's request decoder (as `HTTP1RequestReader` drives it),
    /// cut into reads as the first byte says, then each head through the pipeline's decision
    /// (hygiene, Host, CORS, limiter, token source and JWT, XFF, route match) and, when forwarded,
    /// the upstream head writer. The upstream head must parse strictly, keep the request line the
    /// plan gave, and carry one Host and one X-Forwarded-For of the gateway's.
    public static func requestHead(_ input: UnsafeRawBufferPointer) {
        guard let flags = input.first else { return }
        var decoder = HTTP1RequestDecoder()
        var unparsed = UnparsedBytes()
        let peer = peers[Int(flags >> 5) % peers.count]
        let tokens = VerifiedTokenCache(capacity: 64)
        for read in reads(Array(input.dropFirst()), seed: flags & 0x1F) {
            var buffer = unparsed.adding(Fuzz.buffer(read))
            do {
                while let part = try decoder.next(&buffer) {
                    guard case .head(let clientHead) = part, case .raw(let raw) = clientHead.fields else { continue }
                    // The facts read from the bytes are the facts the field list gives.
                    let head = HTTPRequestHead(raw)
                    require(clientHead.facts.isSame(as: RequestHeadFacts(head.headers)), "facts from bytes differ")
                    require(clientHead.uri == head.uri, "target from bytes differs")
                    decide(head, raw: raw, facts: clientHead.facts, peer: peer, tokens: tokens)
                }
            } catch { return }
            unparsed.keep(buffer)
        }
    }

    static func decide(
        _ head: HTTPRequestHead, raw: RawRequestHead?, facts: borrowing RequestHeadFacts, peer: IPAddress,
        tokens: VerifiedTokenCache
    ) {
        let decision = pipeline.decide(
            method: head.method, uri: head.uri, facts: facts, peer: Peer(peer, trusted: pipeline.clients.trusted),
            requestID: "fuzz-request-id", tokens: tokens, wallClock: 1_800_000_000, monotonic: 1000)
        let audit: RequestAudit
        switch decision {
        case .respond(let response): audit = response.audit
        case .forward(let plan): audit = plan.audit
        }
        checkAccessLog(head, audit: audit)
        switch decision {
        case .respond(let response):
            let decoration = ResponseDecoration(
                requestID: "fuzz-request-id", origin: facts.origin,
                cors: CORSPolicy(origins: .list(["https://app.example"])), close: true)
            let out = Fuzz.bytes(
                HeadSerializer.response(
                    version: .http1_1, status: response.status, headers: response.headers, decoration: decoration,
                    allocator: ByteBufferAllocator()))
            require(WireHead.parse(out) != nil, "local answer head does not parse")
        case .forward(let plan):
            let context = UpstreamRequestHead.Context(
                requestID: "fuzz-request-id", peer: Peer(peer, trusted: pipeline.clients.trusted),
                hasBody: facts.hasBody)
            let fields = UpstreamRequestHead.make(from: head.headers, plan: plan, context: context)
            var out = Fuzz.bytes(
                HeadSerializer.request(
                    method: head.method, uri: plan.upstreamURI, headers: fields, allocator: ByteBufferAllocator()))
            // What an HTTP/1.1 client's head becomes: written from its bytes, the same bytes as the
            // field-list path wherever Strings hold them unchanged (ASCII).
            if let raw {
                let fromBytes = Fuzz.bytes(
                    UpstreamRequestHead.write(
                        raw: raw, method: head.method, uri: plan.upstreamURI, plan: plan, context: context,
                        allocator: ByteBufferAllocator()))
                if Fuzz.bytes(raw.bytes).allSatisfy({ $0 < 0x80 }) {
                    require(
                        fromBytes == out,
                        "raw writer differs:\n\(String(decoding: fromBytes, as: UTF8.self).debugDescription)\nvs\n\(String(decoding: out, as: UTF8.self).debugDescription)"
                    )
                }
                out = fromBytes
            }
            guard let wire = WireHead.parse(out) else {
                require(false, "upstream head does not parse: \(String(decoding: out, as: UTF8.self).debugDescription)")
                return
            }
            require(
                wire.startLine == Array("\(head.method.rawValue) \(plan.upstreamURI) HTTP/1.1".utf8), "request line")
            require(
                !plan.upstreamURI.utf8.contains { $0 <= 0x20 || $0 >= 0x7F },
                "raw control, space or non-ASCII byte in the target")
            require(wire.values("host").count == 1, "one Host")
            require(wire.values("x-forwarded-for").count == 1, "one X-Forwarded-For")
            require(wire.values("x-request-id") == [Array("fuzz-request-id".utf8)], "X-Request-ID")
            let identity = wire.fields.filter {
                $0.lowercasedName.map { $0 == 0x5F || $0 == 0x2E ? 0x2D : $0 }.starts(with: Array("x-user-".utf8))
            }
            require(identity.count == (plan.identity == nil ? 0 : 2), "x-user-* fields are the gateway's only")
        }
    }
}

extension Fuzz {
    /// The access-log lines of a request (SPEC §13): JSON that parses, text without a control
    /// byte, one line each whatever the client sent.
    static func checkAccessLog(_ head: HTTPRequestHead, audit: RequestAudit) {
        let request = CompletedRequest(
            method: head.method.rawValue, path: head.uri.prefix { $0 != "?" }, audit: audit, status: 400,
            requestID: RequestID(head.headers.first(name: "x-request-id") ?? "-"), duration: 0.001, upstreamTime: nil)
        var line = AccessLogLine()
        var json: [UInt8] = []
        line.appendJSON(request, to: &json)
        require(json.last == 0x0A && json.filter({ $0 == 0x0A }).count == 1, "JSON log line is one line")
        require(
            (try? JSONSerialization.jsonObject(with: Data(json.dropLast()))) is [String: Any],
            "JSON log line does not parse: \(String(decoding: json, as: UTF8.self).debugDescription)")
        var text: [UInt8] = []
        line.appendText(request, to: &text)
        require(text.last == 0x0A, "text log line ends in LF")
        require(
            text.dropLast().allSatisfy { $0 >= 0x20 && $0 < 0x7F },
            "text log line holds a control or raw non-ASCII byte")
    }
}
