import NIOCore
import NIOHTTP1
import Testing

@testable import GatewayCore

/// The decoder in the client pipeline: the parts it hands `ClientHandler`, read by read.
@Suite struct HTTP1RequestDecoderTests {
    /// Decodes `reads` one by one as `HTTP1RequestReader` does; the parts seen after each.
    static func parts(_ reads: [String]) throws -> [[String]] {
        var decoder = HTTP1RequestDecoder()
        var unparsed = UnparsedBytes()
        var seen: [[String]] = []
        for read in reads {
            var buffer = unparsed.adding(ByteBuffer(string: read))
            var now: [String] = []
            defer { unparsed.keep(buffer) }
            while let part = try decoder.next(&buffer) {
                switch part {
                case .head(let head): now.append("head \(head.method.rawValue) \(head.uri)")
                case .body(let bytes): now.append("body \(String(buffer: bytes))")
                case .end: now.append("end")
                }
            }
            seen.append(now)
        }
        return seen
    }

    @Test("a bodiless request ends in the read that brought its head (not with the next read)")
    func bodilessEndsAtOnce() throws {
        #expect(try Self.parts(["GET /a HTTP/1.1\r\nHost: gw\r\n\r\n"]) == [["head GET /a", "end"]])
    }

    @Test func pipelinedRequestsAndBodiesComeInOrder() throws {
        let reads = [
            "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nab",
            "cGET /b HTTP/1.1\r\n\r\nPUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n",
        ]
        #expect(
            try Self.parts(reads) == [
                ["head POST /a", "body ab"],
                ["body c", "end", "head GET /b", "end", "head PUT /c", "body xy", "end"],
            ])
    }

    @Test("Upgrade is ignored: the next bytes are the next request (RFC 9110 §7.8)")
    func upgradeIsIgnored() throws {
        let read = "GET /a HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\nGET /b HTTP/1.1\r\n\r\n"
        #expect(try Self.parts([read]) == [["head GET /a", "end", "head GET /b", "end"]])
    }

    @Test("after CONNECT the rest is a tunnel's bytes, never a request")
    func connectStops() throws {
        let read = "CONNECT a:443 HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n"
        #expect(try Self.parts([read, "GET /c HTTP/1.1\r\n\r\n"]) == [["head CONNECT a:443", "end"], []])
    }

    @Test func refusalsCarryTheirAnswer() {
        #expect(throws: RequestParseError.malformed("obs-fold")) {
            try Self.parts(["GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"])
        }
        let fields = (0...100).map { "X-\($0): v\r\n" }.joined()
        #expect(throws: RequestParseError.headTooLarge) { try Self.parts(["GET / HTTP/1.1\r\n\(fields)\r\n"]) }
    }

    @Test("fields become the pipeline's HTTPHeaders byte for byte, bytes above 0x7F included")
    func headersFromBytes() throws {
        var parser = RequestHeadParser()
        var buffer = ByteBuffer(string: "GET /x?y HTTP/1.0\r\nA: 1\r\na: 2\r\nB:\tv w \r\n\r\n")
        let raw = try #require(try parser.parse(&buffer))
        let head = HTTPRequestHead(raw)
        #expect(head.version == .http1_0 && head.uri == "/x?y")
        #expect(head.headers.map { "\($0.name)=\($0.value)" } == ["A=1", "a=2", "B=v w"])
    }
}
