import Foundation
import GatewayCore
import NIOCore
import Testing

/// HTTP/1.1 mechanics through the proxy: keep-alive, pipelining, 100-continue, HEAD,
/// bodiless statuses, both framings, HTTP/1.0 clients.
@Suite struct HTTP11Tests {
    static let echoURI: TestUpstream.Handler = { request in .text("uri=\(request.uri)") }

    @Test func keepAliveServesSequentialRequests() async throws {
        try await TestGateway.withUpstream(handler: Self.echoURI) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            for n in 1...3 {
                let response = try await client.exchange("GET", "/api/v1/conversations/\(n)", headers: [CoreProxy.auth])
                #expect(response.status == 200)
                #expect(response.bodyString == "uri=/conversations/\(n)")
                #expect(response.header("Connection")?.lowercased() != "close")
            }
            await client.close()
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        // The first is answered slowest, so a reordering proxy would be caught.
        let handler: TestUpstream.Handler = { request in
            let plan = UpstreamPlan.text("uri=\(request.uri)")
            return request.uri.hasSuffix("/1") ? .delayHead(.milliseconds(300), then: plan) : plan
        }
        try await TestGateway.withUpstream(handler: handler) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            let bytes = (1...3).flatMap {
                RawHTTPClient.request("GET", "/api/v1/conversations/\($0)", headers: [CoreProxy.auth])
            }
            try await client.send(bytes)
            for n in 1...3 {
                do {
                    let response = try await client.readResponse()
                    #expect(response.status == 200)
                    #expect(response.bodyString == "uri=/conversations/\(n)")
                } catch {
                    Issue.record("pipelined response \(n) of 3: \(error)")
                    break
                }
            }
            await client.close()
        }
    }

    @Test func expectContinueUpload() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(
                RawHTTPClient.request(
                    "POST", "/api/v1/conversations",
                    headers: [CoreProxy.auth, ("Expect", "100-continue"), ("Content-Length", "11")]))
            var received: [UInt8] = []
            while !HTTPHeadParser.latin1(received).contains("\r\n\r\n") {
                let piece = try #require(try await client.nextBytes(timeout: .seconds(5)), "closed before 100 Continue")
                received += piece.bytes
            }
            let interim = HTTPHeadParser.latin1(received)
            #expect(interim.hasPrefix("HTTP/1.1 100"), "\(interim)")
            #expect(upstream.requests.count == 0)
            try await client.send("hello world")
            // Any bytes after the 100's blank line belong to the final response.
            let end = interim.range(of: "\r\n\r\n")!.upperBound
            let leftover = Array(interim[end...].unicodeScalars.map { UInt8($0.value) })
            #expect(leftover.isEmpty)
            let response = try await client.readResponse()
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.bodyString == "hello world")
            await client.close()
        }
    }

    @Test func headHasNoBodyAndKeepsConnectionUsable() async throws {
        try await TestGateway.withUpstream(handler: { _ in .text("a body that must not be sent") }) {
            gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            let head = try await client.exchange("HEAD", "/api/v1/conversations/1", headers: [CoreProxy.auth])
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "28")
            let next = try await client.exchange("GET", "/api/v1/conversations/1", headers: [CoreProxy.auth])
            #expect(next.status == 200)
            #expect(next.bodyString == "a body that must not be sent")
            #expect(try await upstream.waitForRequests(2).map(\.method) == ["HEAD", "GET"])
            await client.close()
        }
    }

    @Test(arguments: [204, 304])
    func bodilessStatusPassesThroughWithoutBody(status: Int) async throws {
        let plan = UpstreamPlan.respond(status: status, headers: [("ETag", "\"v1\"")])
        try await TestGateway.withUpstream(handler: { request in request.uri.hasSuffix("/next") ? .text("next") : plan }
        ) {
            gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            let response = try await client.exchange("GET", "/api/v1/conversations/1", headers: [CoreProxy.auth])
            #expect(response.status == status)
            #expect(response.header("ETag") == "\"v1\"")
            #expect(response.header("Transfer-Encoding") == nil)
            #expect(response.headers(named: "Content-Length").allSatisfy { $0 == "0" } || status == 304)
            let next = try await client.exchange("GET", "/api/v1/conversations/next", headers: [CoreProxy.auth])
            #expect(next.status == 200)
            #expect(next.bodyString == "next")
            await client.close()
        }
    }

    @Test func chunkedRequestBodyIsForwarded() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(
                RawHTTPClient.request(
                    "POST", "/api/v1/conversations", headers: [CoreProxy.auth, ("Transfer-Encoding", "chunked")])
                    + Array("5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n".utf8))
            let response = try await client.readResponse()
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.bodyString == "hello world")
            await client.close()
        }
    }

    @Test func contentLengthRequestBodyIsForwarded() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let response = try await gateway.fetch(
                "PUT", "/api/v1/conversations/1", headers: [CoreProxy.auth], body: Array("{\"a\":1}".utf8))
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.method == "PUT")
            #expect(recorded.bodyString == "{\"a\":1}")
            #expect(recorded.header("Content-Length") == "7")
        }
    }

    @Test func chunkedResponseStaysChunked() async throws {
        let chunks = [UpstreamChunk("hel"), UpstreamChunk("lo")]
        try await TestGateway.withUpstream(handler: { _ in .stream(chunks: chunks) }) { gateway, _ in
            let response = try await gateway.fetch("GET", "/api/v1/conversations/1", headers: [CoreProxy.auth])
            #expect(response.status == 200)
            #expect(response.framing == .chunked)
            #expect(response.bodyString == "hello")
        }
    }

    @Test func contentLengthResponseKeepsItsLength() async throws {
        try await TestGateway.withUpstream(handler: { _ in .text("twelve bytes") }) { gateway, _ in
            let response = try await gateway.fetch("GET", "/api/v1/conversations/1", headers: [CoreProxy.auth])
            #expect(response.framing == .contentLength(12))
            #expect(response.bodyString == "twelve bytes")
        }
    }

    @Test func upstreamErrorStatusAndBodyPassThrough() async throws {
        try await TestGateway.withUpstream(handler: { _ in .json(#"{"detail":"nope"}"#, status: 422) }) { gateway, _ in
            let response = try await gateway.fetch(
                "POST", "/api/v1/conversations", headers: [CoreProxy.auth], body: [1])
            #expect(response.status == 422)
            #expect(response.bodyString == #"{"detail":"nope"}"#)
            GatewayExpect.standardCORS(response, "")
        }
    }

    @Test func http10ClientGetsAClosedDelimitedOrSizedBody() async throws {
        let chunks = [UpstreamChunk("streamed "), UpstreamChunk("body")]
        try await TestGateway.withUpstream(handler: { _ in .stream(chunks: chunks) }) { gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(
                CoreProxy.head([
                    "GET /api/v1/conversations/1 HTTP/1.0", "Host: gateway.test",
                    "\(CoreProxy.auth.0): \(CoreProxy.auth.1)",
                ]))
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.framing != .chunked)
            #expect(response.bodyString == "streamed body")
            #expect(await client.isClosed(within: .seconds(15)))
            #expect(try await upstream.waitForRequests(1)[0].uri == "/conversations/1")
        }
    }
}
