import NIOCore
import NIOHTTP1
import Testing

@testable import GatewayCore

/// The heads the gateway writes itself, on values: the upstream request head's fields (SPEC §7,
/// §10) and the bytes `HeadSerializer` frames them in.
@Suite struct HeadWriterTests {
    static let client = PipelineDriver.address("198.51.100.7")

    /// The plan the pipeline makes for an authorised GET of a conversation.
    static func plan() throws -> ForwardPlan {
        let driver = PipelineDriver()
        return try #require(driver.decide(.GET, "/api/v1/conversations/c1?x=1", headers: [TestGateway.bearer()]).plan)
    }

    static func fields(
        _ headers: [(String, String)], trusted: Bool = false, hasBody: Bool = false
    ) throws -> [(String, String)] {
        let head = HTTPRequestHead(
            version: .http1_1, method: .GET, uri: "/api/v1/conversations/c1", headers: HTTPHeaders(headers))
        let cidrs = trusted ? [CIDR(parsing: "198.51.100.0/24")!] : []
        let plan = try plan()
        return UpstreamRequestHead.make(
            from: head, plan: plan,
            context: .init(
                requestID: "req-1", peer: Peer(client, trusted: TrustedProxies(cidrs)), identity: plan.identity,
                hasBody: hasBody))
    }

    static func values(_ fields: [(String, String)], _ name: String) -> [String] {
        fields.filter { $0.0.lowercased() == name.lowercased() }.map(\.1)
    }

    @Test func hostIsTheUpstreamsAndComesFirst() throws {
        let fields = try Self.fields([("Host", "gateway.test"), ("Accept", "text/plain")])
        #expect(fields.first?.0 == "Host")
        #expect(fields.first?.1 == (try Self.plan()).upstream.authority)
        #expect(Self.values(fields, "X-Forwarded-Host") == ["gateway.test"])
        #expect(Self.values(fields, "Accept") == ["text/plain"])
    }

    @Test func hopByHopSpoofableAndConnectionNamedFieldsAreDropped() throws {
        let fields = try Self.fields([
            ("Host", "gateway.test"), ("Connection", "keep-alive, X-Secret"), ("X-Secret", "1"), ("Keep-Alive", "5"),
            ("Upgrade", "websocket"), ("TE", "trailers"), ("Proxy-Authorization", "x"), ("X-User-ID", "admin"),
            ("X-User-Roles", "admin"), ("X-Real-IP", "1.2.3.4"), ("X-Request-ID", "forged"),
            ("Forwarded", "for=1.2.3.4"),
            ("Expect", "100-continue"), ("X-Api-Key", "k"), ("Accept", "*/*"),
        ])
        let names = Set(fields.map { $0.0.lowercased() })
        for dropped in [
            "connection", "x-secret", "keep-alive", "upgrade", "te", "proxy-authorization", "x-real-ip", "forwarded",
            "expect", "x-api-key",
        ] {
            #expect(!names.contains(dropped), "\(dropped) was forwarded")
        }
        // The gateway's own values replace the client's.
        #expect(Self.values(fields, "X-Request-ID") == ["req-1"])
        #expect(Self.values(fields, "X-User-ID") == ["u1"])
        #expect(Self.values(fields, "X-User-Roles") == ["user"])
        #expect(Self.values(fields, "Accept") == ["*/*"])
    }

    @Test func forwardedForIsAppendedOnlyForATrustedPeer() throws {
        let sent: [(String, String)] = [
            ("Host", "gateway.test"), ("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "public.example"),
        ]
        let untrusted = try Self.fields(sent)
        #expect(Self.values(untrusted, "X-Forwarded-For") == ["198.51.100.7"])
        #expect(Self.values(untrusted, "X-Forwarded-Proto") == ["http"])
        #expect(Self.values(untrusted, "X-Forwarded-Host") == ["gateway.test"])
        let trusted = try Self.fields(sent, trusted: true)
        #expect(Self.values(trusted, "X-Forwarded-For") == ["203.0.113.9, 198.51.100.7"])
        #expect(Self.values(trusted, "X-Forwarded-Proto") == ["https"])
        #expect(Self.values(trusted, "X-Forwarded-Host") == ["public.example"])
    }

    @Test func aBodyWithoutALengthIsSentChunked() throws {
        let chunked = try Self.fields([("Host", "gateway.test"), ("Transfer-Encoding", "chunked")], hasBody: true)
        #expect(Self.values(chunked, "Transfer-Encoding") == ["chunked"])
        let sized = try Self.fields([("Host", "gateway.test"), ("Content-Length", "4")], hasBody: true)
        #expect(Self.values(sized, "Content-Length") == ["4"])
        #expect(Self.values(sized, "Transfer-Encoding").isEmpty)
    }

    @Test func requestBytes() {
        let bytes = HeadSerializer.request(
            method: .POST, uri: "/internal/x?y=1", headers: [("Host", "up:9"), ("Content-Length", "0")],
            allocator: ByteBufferAllocator())
        #expect(String(buffer: bytes) == "POST /internal/x?y=1 HTTP/1.1\r\nHost: up:9\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func responseBytes() {
        let ok = HeadSerializer.response(
            version: .http1_1, status: .tooManyRequests, headers: [("Retry-After", "3")],
            allocator: ByteBufferAllocator())
        #expect(String(buffer: ok) == "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\n\r\n")
        let old = HeadSerializer.response(
            version: .http1_0, status: .ok, headers: [], allocator: ByteBufferAllocator())
        #expect(String(buffer: old) == "HTTP/1.0 200 OK\r\n\r\n")
    }

    @Test func chunkHeadersAreHex() {
        for (size, text) in [(1, "1\r\n"), (15, "f\r\n"), (16, "10\r\n"), (65_536, "10000\r\n")] {
            #expect(String(buffer: HeadSerializer.chunkHeader(size: size, allocator: ByteBufferAllocator())) == text)
        }
    }
}
