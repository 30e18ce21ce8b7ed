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
        let cidrs = trusted ? [CIDR(parsing: "198.51.100.0/24")!] : []
        let plan = try plan()
        return UpstreamRequestHead.make(
            from: HTTPHeaders(headers), plan: plan,
            context: .init(
                requestID: "req-1", peer: Peer(client, trusted: TrustedProxies(cidrs)),
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

    @Test(
        "from the client's bytes the upstream head is the field-list path's, byte for byte",
        arguments: [
            (false, false, "Host: gateway.test\r\nAccept: */*\r\nAuthorization: Bearer t\r\n"),
            (
                false, false,
                "Host: gateway.test\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: 5\r\n"
                    + "Upgrade: websocket\r\nTE: trailers\r\nX-User_ID: admin\r\nx-user-roles: admin\r\n"
                    + "X-Real-IP: 1.2.3.4\r\nX-Request-ID: forged\r\nForwarded: for=1.2.3.4\r\nExpect: 100-continue\r\n"
                    + "X-Api-Key: k\r\ncOnNeCtIoN: X-Other\r\nx-other: 2\r\nAccept:  */*  \r\n"
            ),
            (
                true, false,
                "Host: gateway.test\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-For: 10.0.0.1, 10.0.0.2\r\n"
                    + "X-Forwarded-Proto: https\r\nX-Forwarded-Host: public.example\r\nX-Forwarded-Port: 1\r\n"
            ),
            (false, false, "Host: gateway.test\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n"),
            (false, true, "Host: gateway.test\r\nContent-Length: 12\r\n"),
            // SPEC §10: a Connection header naming protected fields is ignored for them.
            (
                false, true,
                "Host: gateway.test\r\nConnection: Content-Length, Host, Authorization, Cookie, X-User-Id\r\n"
                    + "Content-Length: 3\r\nAuthorization: Bearer t\r\nCookie: a=b\r\n"
            ),
            (false, true, "Host: gateway.test\r\nTransfer-Encoding: chunked\r\n"),
        ])
    func rawWriterMatchesTheFieldList(trusted: Bool, hasBody: Bool, fields: String) throws {
        var parser = RequestHeadParser()
        var buffer = ByteBuffer(string: "GET /api/v1/conversations/c1 HTTP/1.1\r\n\(fields)\r\n")
        let raw = try #require(try parser.parse(&buffer))
        let head = HTTPRequestHead(raw)
        let plan = try Self.plan()
        let cidrs = trusted ? [CIDR(parsing: "198.51.100.0/24")!] : []
        let context = UpstreamRequestHead.Context(
            requestID: "req-1", peer: Peer(Self.client, trusted: TrustedProxies(cidrs)),
            hasBody: hasBody)
        let list = HeadSerializer.request(
            method: .GET, uri: plan.upstreamURI,
            headers: UpstreamRequestHead.make(from: head.headers, plan: plan, context: context),
            allocator: ByteBufferAllocator())
        let bytes = UpstreamRequestHead.write(
            raw: raw, method: .GET, uri: plan.upstreamURI, plan: plan, context: context,
            allocator: ByteBufferAllocator())
        #expect(String(buffer: bytes) == String(buffer: list))
    }

    @Test("bytes above 0x7F in a value go upstream as received")
    func rawWriterKeepsObsText() throws {
        var parser = RequestHeadParser()
        var buffer = ByteBuffer(
            bytes: Array("GET /api/v1/conversations/c1 HTTP/1.1\r\nHost: gw\r\nX-Name: caf".utf8) + [0xE9, 0xFF]
                + Array("\r\n\r\n".utf8))
        let raw = try #require(try parser.parse(&buffer))
        let plan = try Self.plan()
        let bytes = UpstreamRequestHead.write(
            raw: raw, method: .GET, uri: plan.upstreamURI, plan: plan,
            context: .init(
                requestID: "r", peer: Peer(Self.client, trusted: TrustedProxies([])), hasBody: false),
            allocator: ByteBufferAllocator())
        let expected: [UInt8] = Array("X-Name: caf".utf8) + [0xE9, 0xFF] + [0x0D, 0x0A]
        #expect(Array(bytes.readableBytesView).firstRange(of: expected) != nil)
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
