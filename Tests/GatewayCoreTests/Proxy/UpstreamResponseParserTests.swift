import NIOCore
import NIOHTTP1
import Testing

@testable import GatewayCore

/// The upstream response parser on values, fed as `UpstreamHandler` feeds it: reads cut
/// anywhere must give what one read gives.
@Suite struct UpstreamResponseParserTests {
    /// Heads' status codes and bodies, and whether the parser failed, for `reads` then a close.
    static func parse(_ reads: [String]) -> (statuses: [UInt], bodies: [String], failed: Bool) {
        var parser = UpstreamResponseParser()
        var unparsed = UnparsedBytes()
        var parts: [UpstreamResponsePart] = []
        var failed = false
        do {
            for read in reads {
                var buffer = unparsed.adding(ByteBuffer(string: read))
                while let part = try parser.next(&buffer) { parts.append(part) }
                unparsed.keep(buffer)
            }
            var rest = unparsed.takeAll()
            while let part = try parser.next(&rest) { parts.append(part) }
            if let last = try parser.connectionClosed(rest) { parts.append(last) }
        } catch {
            failed = true
        }
        var statuses: [UInt] = []
        var bodies: [String] = []
        var body = ""
        for part in parts {
            switch part {
            case .head(let head): statuses.append(head.status.code)
            case .body(let buffer): body += String(buffer: buffer)
            case .end:
                bodies.append(body)
                body = ""
            }
        }
        return (statuses, bodies, failed)
    }

    @Test(
        "empty lines after a response are skipped however the reads cut them (found by FuzzChunkedBody)",
        arguments: [
            [
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\r\n",
                "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
            ],
            [
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\n", "\n",
                "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
            ],
            [
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\r",
                "\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
            ],
        ])
    func emptyLinesBetweenResponses(reads: [String]) {
        let result = Self.parse(reads)
        #expect(result.statuses == [200, 201])
        #expect(result.bodies == ["ok", ""])
        #expect(!result.failed)
    }

    @Test func emptyLinesBeforeACloseAreNoTruncation() {
        let whole = Self.parse(["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\n\n"])
        let split = Self.parse(["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\n", "\n"])
        #expect(!whole.failed)
        #expect(!split.failed)
        #expect(split.bodies == whole.bodies)
    }

    @Test func aHeadInOneByteReadsIsTheSameHead() {
        let text = "HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 3\r\n\r\nabc"
        let result = Self.parse(text.map { String($0) })
        #expect(result.statuses == [200])
        #expect(result.bodies == ["abc"])
        #expect(!result.failed)
    }
}
