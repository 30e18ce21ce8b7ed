import Foundation
import GatewayCore
import NIOCore
import Testing

/// How the gateway reads upstream responses (RFC 9112 §6.3): each case is sent as raw bytes by
/// the test upstream, so the framing is exactly what a misbehaving or unusual server would send.
@Suite struct UpstreamResponseFramingTests {
    private static func fetch(_ raw: String) async throws -> RawHTTPResponse {
        var response: RawHTTPResponse?
        try await TestGateway.withUpstream(handler: { _ in .raw(Array(raw.utf8)) }) { gateway, _ in
            response = try await gateway.fetch("GET", "/api/v1/conversations", headers: [CoreProxy.auth])
        }
        return try #require(response)
    }

    @Test("a head with a length goes out when its read ends, without waiting for the body")
    func headWithALengthIsNotHeldForItsBody() async throws {
        // The body comes much later than the client's read timeout: a head held for it fails the test.
        let plan = UpstreamPlan.stream(
            headers: [("Content-Length", "5")], chunks: [UpstreamChunk("hello", after: .seconds(60))],
            untilClose: true)
        try await TestGateway.withUpstream(handler: { _ in plan }) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(RawHTTPClient.request("GET", "/api/v1/conversations", headers: [CoreProxy.auth]))
            let head = try await client.readHead(timeout: .seconds(20))
            #expect(head.status == 200)
            #expect(head.framing == .contentLength(5))
        }
    }

    @Test func bareLFLineEndsAreRead() async throws {
        let response = try await Self.fetch("HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 5\n\nhello")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/plain")
        #expect(response.bodyString == "hello")
    }

    @Test func interimResponsesAreDroppedAndTheFinalOneRelayed() async throws {
        let response = try await Self.fetch(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                + "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
        #expect(response.status == 201)
        #expect(response.informational.isEmpty)
        #expect(response.header("Link") == nil)
        #expect(response.bodyString == "ok")
    }

    @Test func chunkExtensionsAndTrailersAreReadButNotForwarded() async throws {
        let response = try await Self.fetch(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 1\r\n\r\n"
        )
        #expect(response.status == 200)
        #expect(response.framing == .chunked)
        #expect(response.bodyString == "hello world")
        #expect(response.trailers.isEmpty)
    }

    @Test func chunkedWinsOverContentLength() async throws {
        let response = try await Self.fetch(
            "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        #expect(response.status == 200)
        #expect(response.header("Content-Length") == nil)
        #expect(response.bodyString == "abc")
    }

    @Test(
        "a transfer coding other than chunked (which the gateway cannot decode) is a 502, as in nginx",
        arguments: [
            "Transfer-Encoding: gzip", "Transfer-Encoding: chunked, gzip", "Transfer-Encoding: gzip, chunked",
            "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked",
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
        ])
    func otherTransferCodingsAre502(field: String) async throws {
        let response = try await Self.fetch("HTTP/1.1 200 OK\r\n\(field)\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        GatewayExpect.error(response, status: 502, code: "bad_gateway")
    }

    @Test func aBodyWithoutLengthEndsAtClose() async throws {
        let response = try await Self.fetch("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it")
        #expect(response.status == 200)
        #expect(response.framing == .chunked)
        #expect(response.bodyString == "all of it")
    }

    @Test func fieldValuesPassByteForByte() async throws {
        // obs-text (Latin-1 é) and inner spaces are kept; surrounding whitespace is not.
        let raw =
            Array("HTTP/1.1 200 OK\r\nX-Name:   caf".utf8) + [0xE9]
            + Array("  au  lait \r\nContent-Length: 0\r\n\r\n".utf8)
        var response: RawHTTPResponse?
        try await TestGateway.withUpstream(handler: { _ in .raw(raw) }) { gateway, _ in
            response = try await gateway.fetch("GET", "/api/v1/conversations", headers: [CoreProxy.auth])
        }
        let head = try #require(response).rawHead
        #expect(head.contains("X-Name: caf\u{E9}  au  lait\r\n"))
    }

    @Test(
        "many short fields, each written back longer (CRLF, a space), all reach the client",
        arguments: [1290, 2600, 5300])
    func manyShortFieldsAreCopiedWhole(count: Int) async throws {
        let response = try await Self.fetch(
            "HTTP/1.1 200 OK\r\n" + String(repeating: "X-A:1\n", count: count) + "Content-Length: 2\n\nok")
        #expect(response.status == 200)
        #expect(response.headers(named: "X-A").count == count)
        #expect(response.bodyString == "ok")
    }

    @Test(
        "an ambiguous or malformed response head is a 502, never a guess",
        arguments: [
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
            "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello",
            "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX A: 1\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-A: 1\rX-B: 2\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip, chunked\r\n\r\n0\r\n\r\n",
            "HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n",
        ])
    func malformedHeadIs502(raw: String) async throws {
        let response = try await Self.fetch(raw)
        GatewayExpect.error(response, status: 502, code: "bad_gateway")
    }

    @Test func aHeadLargerThanTheLimitIs502() async throws {
        let big = String(repeating: "X-Filler: " + String(repeating: "a", count: 1000) + "\r\n", count: 90)
        let response = try await Self.fetch("HTTP/1.1 200 OK\r\n" + big + "Content-Length: 0\r\n\r\n")
        GatewayExpect.error(response, status: 502, code: "bad_gateway")
    }

    @Test func chunkDataLongerThanItsSizeEndsTheResponseAbruptly() async throws {
        let raw = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n".utf8)
        try await TestGateway.withUpstream(handler: { _ in .raw(raw, thenClose: false) }) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(RawHTTPClient.request("GET", "/api/v1/conversations", headers: [CoreProxy.auth]))
            let head = try await client.readHead()
            #expect(head.status == 200)
            #expect(try await client.readChunk()?.string == "abc")
            await #expect(throws: RawHTTPError.self) {
                _ = try await client.readChunk()
            }
            #expect(await client.isClosed(within: .seconds(15)))
        }
    }
}
