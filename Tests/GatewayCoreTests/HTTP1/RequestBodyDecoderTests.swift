import NIOCore
import Testing

@testable import GatewayCore

/// Request bodies on raw bytes (RFC 9112 §6–§7): Content-Length and chunked, split at every byte.
@Suite struct RequestBodyDecoderTests {
    /// Feeds `reads` in turn; the body bytes, whether `.end` came, and what is left after it.
    static func decode(_ framing: RequestBodyFraming, _ reads: [[UInt8]]) throws(RequestParseError) -> (
        body: [UInt8], ended: Bool, rest: [UInt8]
    ) {
        var decoder = RequestBodyDecoder(framing)
        var buffer = ByteBuffer()
        var body: [UInt8] = []
        var ended = false
        for read in reads {
            buffer.writeBytes(read)
            while !ended, let part = try decoder.next(&buffer) {
                switch part {
                case .body(let bytes): body += bytes.readableBytesView
                case .end: ended = true
                }
            }
        }
        return (body, ended, Array(buffer.readableBytesView))
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func noBodyEndsAtOnce() throws {
        let result = try Self.decode(.none, [Self.bytes("GET")])
        #expect(result.ended && result.body.isEmpty && result.rest == Self.bytes("GET"))
    }

    @Test func aLengthTakesExactlyItsBytes() throws {
        let result = try Self.decode(.length(5), [Self.bytes("hel"), Self.bytes("loGET")])
        #expect(result.body == Self.bytes("hello") && result.ended && result.rest == Self.bytes("GET"))
    }

    static let chunked =
        "5;name=value\r\nhello\r\nA;a=\"q\\\"s\";b;c=;=x\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\nNEXT"

    @Test("chunked, split at every byte and at every pair of bytes: the same body, the rest left")
    func chunkedEverySplit() throws {
        let bytes = Self.bytes(Self.chunked)
        for cut in 0...bytes.count {
            let result = try Self.decode(.chunked, [Array(bytes[..<cut]), Array(bytes[cut...])])
            #expect(result.body == Self.bytes("hello0123456789"), "cut at \(cut)")
            #expect(result.ended && result.rest == Self.bytes("NEXT"), "cut at \(cut)")
        }
        let oneByteEach = try Self.decode(.chunked, bytes.map { [$0] })
        #expect(oneByteEach.body == Self.bytes("hello0123456789") && oneByteEach.rest == Self.bytes("NEXT"))
    }

    @Test func lengthEverySplit() throws {
        let bytes = Self.bytes("0123456789rest")
        for cut in 0...bytes.count {
            let result = try Self.decode(.length(10), [Array(bytes[..<cut]), Array(bytes[cut...])])
            #expect(result.body == Self.bytes("0123456789") && result.rest == Self.bytes("rest"))
        }
    }

    @Test(
        "a bad chunk is refused (SPEC §10)",
        arguments: [
            ("no size", "\r\nhello\r\n0\r\n\r\n"),
            ("a size that is not hex", "g\r\n"),
            ("a space after the size", "5 \r\nhello\r\n0\r\n\r\n"),
            ("a signed size", "-5\r\n"),
            ("a size past Int", "fffffffffffffffff\r\n"),
            ("data longer than its size", "5\r\nhello!\r\n0\r\n\r\n"),
            ("a bare LF after the size", "5\nhello\r\n0\r\n\r\n"),
            ("a bare LF after the data", "5\r\nhello\n0\r\n\r\n"),
            ("a control byte in an extension", "5;a\u{1}\r\nhello\r\n0\r\n\r\n"),
            ("a space in an extension (llhttp refused it)", "5; a=1\r\nhello\r\n0\r\n\r\n"),
            ("an empty extension", "5;\r\nhello\r\n0\r\n\r\n"),
            ("a value that is no token", "5;a=(x)\r\nhello\r\n0\r\n\r\n"),
            ("a trailer without a colon", "0\r\nbad trailer\r\n\r\n"),
            ("a folded trailer", "0\r\nX: a\r\n b\r\n\r\n"),
        ])
    func badChunk(_ why: String, _ text: String) {
        #expect(throws: RequestParseError.self, "\(why)") { try Self.decode(.chunked, [Self.bytes(text)]) }
    }

    @Test("a chunk line without an end is refused once it passes 4 KiB, not buffered on")
    func endlessChunkLine() {
        let line = "5;" + String(repeating: "x", count: 5000)
        #expect(throws: RequestParseError.malformed("chunk line too long")) {
            try Self.decode(.chunked, [Self.bytes(line)])
        }
    }
}
