import NIOCore
import NIOEmbedded
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
    static func read(_ bytes: [UInt8], cuts: [Int], method: HTTPMethod = .GET) throws -> (
        HTTPResponseHead?, [UInt8], Int
    ) {
        var reader = HTTP1ResponseBytes()
        reader.requestMethod = method
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        var ends = 0
        var start = 0
        for cut in cuts + [bytes.count] where cut >= start {
            for part in try reader.feed(ByteBuffer(bytes: bytes[start..<cut])) {
                switch part {
                case .head(let value): head = value
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
                #expect(head?.status.code == UInt(status))
                #expect(String(decoding: read, as: UTF8.self) == body, "cut at \(cut)")
                #expect(ends == 1, "cut at \(cut)")
            }
            let (_, byteByByte, ends) = try Self.read(bytes, cuts: Array(1..<bytes.count))
            #expect(String(decoding: byteByByte, as: UTF8.self) == body)
            #expect(ends == 1)
        }
    }

    @Test func framingFieldsAreNotPassedOnButTheRestAre() throws {
        let (head, _, _) = try Self.read(Self.chunked, cuts: [])
        #expect(head?.headers["Transfer-Encoding"].isEmpty == true)
        #expect(head?.headers["X-Request-ID"] == ["r1"])
        #expect(head?.headers["Content-Type"] == ["text/event-stream"])
    }

    @Test func aResponseToHEADHasNoBodyAndAnInterimIsDropped() throws {
        let head = Array("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n".utf8)
        let (value, body, ends) = try Self.read(head, cuts: [], method: .HEAD)
        #expect(value?.status == .ok)
        #expect(body.isEmpty)
        #expect(ends == 1)
        let interim = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8) + Self.sized
        let (after, read, _) = try Self.read(interim, cuts: [10, 30])
        #expect(after?.status == .notFound)
        #expect(read == Array("{}{}".utf8))
    }

    @Test func twoResponsesInARow() throws {
        let (head, body, ends) = try Self.read(Self.sized + Self.chunked, cuts: [50])
        #expect(head?.status == .ok)
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
