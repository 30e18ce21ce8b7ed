import NIOCore
import NIOHTTP1
import Testing

@testable import GatewayCore

/// The client head writer on values, without sockets: Location's prefix, Vary's merge, bytes kept.
@Suite struct ClientResponseHeadTests {
    static let context = ClientResponseHead.Context(
        decoration: ResponseDecoration(
            requestID: "rid", origin: "https://app.example", cors: CORSPolicy(origins: .list(["https://app.example"])),
            close: false),
        rateLimit: nil,
        location: .init(
            match: RouteMatch(
                route: aegisRoutes[0], routeIndex: 0, internalPath: "/conversations/1",
                publicPrefix: "/api/v1/conversations",
                internalPrefix: "/conversations"),
            upstream: UpstreamURL(host: "up", port: 8001, basePath: "/v2")))

    static func tail(_ value: String) -> Int? {
        Array(value.utf8).withUnsafeBytes { ClientResponseHead.locationTail($0, context: context) }
    }

    @Test func locationTailFindsTheUpstreamsPrefix() {
        #expect(Self.tail("http://up:8001/v2/conversations/9?x=1") == "http://up:8001/v2/conversations".utf8.count)
        #expect(Self.tail("/v2/conversations") == "/v2/conversations".utf8.count)
        #expect(Self.tail("/v2/conversations?a") == "/v2/conversations".utf8.count)
        #expect(Self.tail("/v2/conversationsX/9") == nil)
        #expect(Self.tail("//up:8001/v2/conversations") == nil)
        #expect(Self.tail("http://other:8001/v2/conversations") == nil)
        #expect(Self.tail("http://up:8001/conversations") == nil)
        #expect(Self.tail("https://up:8001/v2/conversations") == nil)
        #expect(Self.tail("") == nil)
        #expect(Self.tail("/") == nil)
        #expect(Self.tail("http://up:8001") == nil)
    }

    /// The client head for upstream field lines `fields` (bytes as sent).
    static func head(_ fields: [UInt8]) throws -> [UInt8] {
        let lines = try UpstreamFieldLines(validating: ByteBuffer(bytes: fields)) { _, _ in }
        let upstream = UpstreamResponseHead(
            code: 200, isHTTP10: false, keepAlive: true, contentLength: 0, fields: lines, locationLines: 1,
            connectionNamed: [])
        let out = ClientResponseHead.make(
            from: upstream, version: .http1_1, context: context, framing: .contentLength(0),
            allocator: ByteBufferAllocator())
        return out.getBytes(at: out.readerIndex, length: out.readableBytes)!
    }

    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(separator: 0x0A).map { Array($0.dropLast()) }
    }

    @Test func varyMembersAreMergedAsBytes() throws {
        let out = try Self.head(Array("Vary: Accept\r\nX: 1\r\nVary: \u{E9}t\u{E9} , ,origin\r\n".utf8))
        #expect(Self.lines(out).contains(Array("Vary: Accept, \u{E9}t\u{E9}, origin".utf8)))
        #expect(Self.lines(out).filter { $0.starts(with: Array("Vary:".utf8)) }.count == 1)
    }

    @Test func originIsAddedWhenNoMemberCoversIt() throws {
        #expect(Self.lines(try Self.head(Array("Vary: Accept\r\n".utf8))).contains(Array("Vary: Accept, Origin".utf8)))
        #expect(Self.lines(try Self.head(Array("Vary: *\r\n".utf8))).contains(Array("Vary: *".utf8)))
        #expect(Self.lines(try Self.head([])).contains(Array("Vary: Origin".utf8)))
    }

    @Test func obsTextLocationKeepsEveryByteAfterThePrefix() throws {
        let value: [UInt8] = Array("/v2/conversations/".utf8) + [0xE9, 0xFF, 0x80] + Array("?q=%20".utf8)
        let out = try Self.head(Array("Location: ".utf8) + value + [0x0A])
        let expected: [UInt8] =
            Array("Location: /api/v1/conversations/".utf8) + [0xE9, 0xFF, 0x80] + Array("?q=%20".utf8)
        #expect(Self.lines(out).contains(expected))
    }

    @Test func connectionNamesFoldOnlyLetters() throws {
        // `X^` is not `x~`: folding with `| 0x20` would have dropped it (SPEC §10, Connection-named fields).
        let lines = try UpstreamFieldLines(validating: ByteBuffer(bytes: Array("X^: 1\r\nX-Hop: 2\r\n".utf8))) { _, _ in
        }
        let upstream = UpstreamResponseHead(
            code: 200, isHTTP10: false, keepAlive: true, contentLength: 0, fields: lines, locationLines: 0,
            connectionNamed: [Array("x~".utf8), Array("x-hop".utf8)])
        let out = ClientResponseHead.make(
            from: upstream, version: .http1_1, context: Self.context, framing: nil, allocator: ByteBufferAllocator())
        let text = Self.lines(out.getBytes(at: out.readerIndex, length: out.readableBytes)!)
        #expect(text.contains(Array("X^: 1".utf8)))
        #expect(!text.contains { $0.starts(with: Array("X-Hop".utf8)) })
    }

    @Test func aBadLineIsRefusedByTheOnlyConstructor() {
        for bad in ["X: a\rb\n", " X: a\n", "X a\n", ": a\n", "X: a\u{0}\n", "X: a"] {
            #expect(throws: UpstreamResponseError.self) {
                _ = try UpstreamFieldLines(validating: ByteBuffer(bytes: Array(bad.utf8))) { _, _ in }
            }
        }
    }
}
