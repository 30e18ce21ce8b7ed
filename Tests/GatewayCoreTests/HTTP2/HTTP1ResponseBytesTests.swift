import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP1
import Testing

@testable import GatewayCore

/// The reader of the gateway's own HTTP/1.1 response bytes (for HTTP/2 streams), on values: the
/// same parts however the bytes are split.
@Suite struct HTTP1ResponseBytesTests {
    static let chunked = Array(
        ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nX-Request-ID: r1\r\n\r\n"
            + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n").utf8)
    static let sized = Array(
        "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nContent-Type: application/json\r\n\r\n{}{}".utf8)

    /// Feeds `bytes` cut at `cuts`; returns the parts with body bytes joined.
    struct Head {
        var status: Int
        var fields: [HTTP1ResponseBytes.Field]
        func values(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }
    }

    static func read(_ bytes: [UInt8], cuts: [Int], method: HTTPMethod = .GET) throws -> (Head?, [UInt8], Int) {
        var reader = HTTP1ResponseBytes()
        reader.requestMethod = method
        var head: Head?
        var body: [UInt8] = []
        var ends = 0
        var start = 0
        for cut in cuts + [bytes.count] where cut >= start {
            for part in try reader.feed(ByteBuffer(bytes: bytes[start..<cut])) {
                switch part {
                case .head(let status, let fields): head = Head(status: status, fields: fields)
                case .body(let buffer): body += Array(buffer.readableBytesView)
                case .end: ends += 1
                }
            }
            start = cut
        }
        return (head, body, ends)
    }

    @Test func chunkedAndSizedBodiesSplitAtEveryByte() throws {
        for (bytes, status, body) in [(Self.chunked, 200, "hello world"), (Self.sized, 404, "{}{}")] {
            for cut in 0...bytes.count {
                let (head, read, ends) = try Self.read(bytes, cuts: [cut])
                #expect(head?.status == status)
                #expect(String(decoding: read, as: UTF8.self) == body, "cut at \(cut)")
                #expect(ends == 1, "cut at \(cut)")
            }
            let (_, byteByByte, ends) = try Self.read(bytes, cuts: Array(1..<bytes.count))
            #expect(String(decoding: byteByByte, as: UTF8.self) == body)
            #expect(ends == 1)
        }
    }

    @Test func framingAndConnectionFieldsAreDroppedTheRestLowerCased() throws {
        let (head, _, _) = try Self.read(Self.chunked, cuts: [])
        #expect(head?.values("transfer-encoding").isEmpty == true)
        #expect(head?.values("x-request-id") == ["r1"])
        #expect(head?.values("content-type") == ["text/event-stream"])
        let closing = Array(
            ("HTTP/1.1 200 OK\r\nConnection: close\r\nKeep-Alive: timeout=5\r\nUpgrade: h2c\r\nVary: Origin\r\n"
                + "Content-Length: 0\r\n\r\n").utf8)
        let (other, _, ends) = try Self.read(closing, cuts: [])
        #expect(other?.fields == [.init(name: "vary", value: "Origin"), .init(name: "content-length", value: "0")])
        #expect(ends == 1)
    }

    @Test func namesAreLowerCasedByteForByte() {
        for (name, expected) in [
            ("Content-Type", "content-type"), ("x-request-id", "x-request-id"), ("ETAG", "etag"),
            ("Access-Control-Allow-Credentials", "access-control-allow-credentials"), ("X_@[`{~", "x_@[`{~"),
        ] {
            let lowered = Array(name.utf8).withUnsafeBytes { HTTP1ResponseBytes.lowercased($0) }
            #expect(lowered == expected)
        }
    }

    @Test func commonNamesComeAsTheirLiteralsOthersLowerCased() {
        let names = [
            "Date", "VARY", "etag", "Server", "Expires", "Location", "RateLimit", "Set-Cookie", "Retry-After",
            "Content-Type", "X-Request-ID", "Cache-Control", "Last-Modified", "Accept-Ranges", "Content-Length",
            "RateLimit-Policy", "Content-Encoding", "WWW-Authenticate", "Access-Control-Max-Age",
            "Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
            "Access-Control-Expose-Headers", "Access-Control-Allow-Credentials", "X-Custom", "Dat3", "content-typo",
        ]
        for name in names {
            let read = Array(name.utf8).withUnsafeBytes { HTTP1ResponseBytes.fieldName($0) }
            #expect(read == name.lowercased())
        }
    }

    @Test func aConnectionsRepeatedValuesAreReadOnce() {
        let values = HTTP2FieldValues()
        func read(_ text: String, slot: Int) -> String {
            Array(text.utf8).withUnsafeBytes { values.value($0, slot: slot) }
        }
        let long = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
        let first = read(long, slot: 7)
        let again = read(long, slot: 7)
        #expect(again == long)
        first.utf8.withContiguousStorageIfAvailable { a in
            again.utf8.withContiguousStorageIfAvailable { b in
                #expect(a.baseAddress == b.baseAddress, "the same string")
            }
        }
        #expect(read("GET", slot: 7) == "GET", "another value replaces it")
        #expect(read("", slot: 7).isEmpty)
        #expect(read(long, slot: 0) == long, "slot 0 keeps nothing")
    }

    @Test func varyingFieldsGoWithoutIndexingAfterTheRest() {
        let fields: [HTTP1ResponseBytes.Field] = [
            .init(name: "content-type", value: "application/json"), .init(name: "x-request-id", value: "r1"),
            .init(name: "set-cookie", value: "a=1"), .init(name: "vary", value: "Origin"),
            .init(name: "set-cookie", value: "b=2"), .init(name: "date", value: "Mon, 07 Dec 2026 06:50:00 GMT"),
        ]
        let block = HTTP2StreamCodec.block(status: 201, fields)
        #expect(
            block.map { [$0.name, $0.value] } == [
                [":status", "201"], ["content-type", "application/json"], ["vary", "Origin"],
                ["date", "Mon, 07 Dec 2026 06:50:00 GMT"], ["x-request-id", "r1"], ["set-cookie", "a=1"],
                ["set-cookie", "b=2"],
            ])
        #expect(
            block.map { $0.indexable } == [
                .indexable, .indexable, .indexable, .indexable, .nonIndexable, .nonIndexable, .nonIndexable,
            ])
        #expect(HTTP2StreamCodec.block(status: 200, []).map { $0.value } == ["200"])
    }

    @Test func aResponseToHEADHasNoBodyAndAnInterimIsDropped() throws {
        let head = Array("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n".utf8)
        let (value, body, ends) = try Self.read(head, cuts: [], method: .HEAD)
        #expect(value?.status == 200)
        #expect(body.isEmpty)
        #expect(ends == 1)
        let interim = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8) + Self.sized
        let (after, read, _) = try Self.read(interim, cuts: [10, 30])
        #expect(after?.status == 404)
        #expect(read == Array("{}{}".utf8))
    }

    @Test func twoResponsesInARow() throws {
        let (head, body, ends) = try Self.read(Self.sized + Self.chunked, cuts: [50])
        #expect(head?.status == 200)
        #expect(String(decoding: body, as: UTF8.self) == "{}{}hello world")
        #expect(ends == 2)
    }
}

/// Telling HTTP/2 with prior knowledge from HTTP/1.1 by the first bytes, however they arrive.
@Suite struct PriorKnowledgeSnifferTests {
    @Test func thePrefaceIsRecognisedByteByByteAndAnythingElseAtTheFirstDifference() throws {
        let preface = PriorKnowledgeSniffer.preface
        for length in 0..<preface.count {
            #expect(PriorKnowledgeSniffer.isPreface(ByteBuffer(bytes: preface.prefix(length))) == nil)
        }
        #expect(PriorKnowledgeSniffer.isPreface(ByteBuffer(bytes: preface)) == true)
        #expect(PriorKnowledgeSniffer.isPreface(ByteBuffer(string: "PRI * HTTP/1.1")) == false)
        #expect(PriorKnowledgeSniffer.isPreface(ByteBuffer(string: "G")) == false)
        #expect(PriorKnowledgeSniffer.isPreface(ByteBuffer(string: "POST / HTTP/1.1\r\n")) == false)
    }

    @Test func theBytesSeenGoOnWholeAfterTheChoice() throws {
        for isHTTP2 in [true, false] {
            let channel = EmbeddedChannel()
            let chosen = NIOLockedChoice()
            try channel.pipeline.syncOperations.addHandler(
                PriorKnowledgeSniffer { choice, _ in chosen.value = choice })
            let bytes =
                isHTTP2 ? PriorKnowledgeSniffer.preface + Array("rest".utf8) : Array("GET / HTTP/1.1\r\n\r\n".utf8)
            for byte in bytes { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
            #expect(chosen.value == isHTTP2)
            var received: [UInt8] = []
            while let part = try channel.readInbound(as: ByteBuffer.self) { received += Array(part.readableBytesView) }
            #expect(received == bytes)
            _ = try channel.finish()
        }
    }
}

private final class NIOLockedChoice: @unchecked Sendable {
    // Touched only on the embedded channel's thread (the test's).
    var value: Bool?
}

/// The request head an HTTP/2 stream gives the pipeline, on values.
@Suite struct HTTP2RequestHeadTests {
    static func head(_ fields: [(String, String)], endStream: Bool = true) -> HTTPRequestHead? {
        HTTP2StreamCodec.requestHead(HPACKHeaders(fields), endStream: endStream)
    }

    static let pseudo = [
        (":method", "GET"), (":scheme", "https"), (":path", "/api/v1/x?y=1"), (":authority", "gw.example"),
    ]

    @Test func hostComesFromTheAuthority() throws {
        let head = try #require(Self.head(Self.pseudo + [("accept", "*/*")]))
        #expect(head.method == .GET)
        #expect(head.uri == "/api/v1/x?y=1")
        #expect(head.version == .http2)
        #expect(head.headers["host"] == ["gw.example"])
        #expect(head.headers["accept"] == ["*/*"])
    }

    @Test func aDisagreeingHostMakesTwoHosts() throws {
        #expect(try #require(Self.head(Self.pseudo + [("host", "GW.example")])).headers["host"] == ["GW.example"])
        #expect(try #require(Self.head(Self.pseudo + [("host", "other")])).headers["host"] == ["other", "gw.example"])
    }

    @Test func aBodyWithoutLengthIsChunked() throws {
        let post = [(":method", "POST"), (":scheme", "https"), (":path", "/a"), (":authority", "gw")]
        #expect(try #require(Self.head(post, endStream: false)).headers["transfer-encoding"] == ["chunked"])
        #expect(try #require(Self.head(post, endStream: true)).headers["content-length"] == ["0"])
        #expect(
            try #require(Self.head(post + [("content-length", "4")], endStream: false)).headers["transfer-encoding"]
                == [])
        #expect(Self.head([(":method", "GET")]) == nil)
    }
}

/// Finding a GOAWAY with an error among the frames the gateway writes, however they are cut.
@Suite struct HTTP2FrameBoundariesTests {
    static func frames(goAwayCode: UInt8?) -> [UInt8] {
        var bytes = H2Frames.frame(.settings, payload: [0, 3, 0, 0, 0, 100])
        // A DATA frame whose payload looks like a GOAWAY header: payloads are skipped, not read.
        bytes += H2Frames.frame(
            .data, stream: 1, payload: H2Frames.frame(.goAway, payload: Array(repeating: 9, count: 8)))
        if let goAwayCode {
            bytes += H2Frames.frame(.goAway, payload: H2Frames.bytes(0) + [0, 0, 0, goAwayCode] + Array("debug".utf8))
        }
        return bytes
    }

    @Test func anErrorGoAwayIsFoundAtEveryCut() {
        for (code, expected) in [(UInt8?.none, UInt32?.none), (0, nil), (11, 11), (1, 1)] {
            let bytes = Self.frames(goAwayCode: code)
            for cut in 0...bytes.count {
                var boundaries = HTTP2FrameBoundaries()
                let first = boundaries.feed(ByteBuffer(bytes: bytes[..<cut]))
                let second = boundaries.feed(ByteBuffer(bytes: bytes[cut...]))
                #expect(first ?? second == expected, "code \(String(describing: code)), cut at \(cut)")
                #expect(first == nil || second == nil, "reported once")
            }
        }
    }
}
