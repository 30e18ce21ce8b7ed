import Foundation
import GatewayCore
import Testing

/// One JSON access-log line per request with the SPEC §13 fields.
@Suite("Access log: fields")
struct AccessLogFieldsTests {
    @Test("a proxied request logs method, path without query, route, service, status, times, user, client, id")
    func proxiedLine() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await TestGateway.start(upstream: upstream.url)
        let response = try await gateway.fetch(
            "GET", "/api/v1/conversations/abc?q=hidden-query",
            headers: [TestGateway.bearer("log-user"), ("X-Request-ID", "req-log-1")])
        #expect(response.status == 200)
        let lines = await gateway.flushedAccessLines()
        try #require(lines.count == 1, "\(lines)")
        let line = try accessLogObject(lines[0])
        #expect(line["method"] as? String == "GET")
        #expect(line["path"] as? String == "/api/v1/conversations/abc")
        #expect(line["route"] as? String == "/api/v1/conversations*")
        #expect(line["service"] as? String == "orchestration")
        #expect(line["status"] as? Int == 200)
        let duration = try #require(line["duration_ms"] as? Double, "duration_ms: \(line)")
        let upstreamTime = try #require(line["upstream_ms"] as? Double, "upstream_ms: \(line)")
        #expect(duration >= 0 && duration < 10_000)
        #expect(upstreamTime >= 0 && upstreamTime <= duration)
        #expect(line["user_id"] as? String == "log-user")
        #expect(line["client"] as? String == "127.0.0.1")
        #expect(line["request_id"] as? String == "req-log-1")
        #expect(!lines[0].contains("hidden-query"))
        await gateway.shutdown()
        try await upstream.shutdown()
    }

    @Test("a request answered by the gateway itself has no upstream time and no user")
    func localLine() async throws {
        let gateway = try await TestGateway.start(upstream: nil)
        let response = try await gateway.fetch("DELETE", "/api/v1/approvals/9")
        #expect(response.status == 401)
        let lines = await gateway.flushedAccessLines()
        try #require(lines.count == 1, "\(lines)")
        let line = try accessLogObject(lines[0])
        #expect(line["method"] as? String == "DELETE")
        #expect(line["route"] as? String == "/api/v1/approvals*")
        #expect(line["service"] as? String == "approval")
        #expect(line["status"] as? Int == 401)
        #expect(line["upstream_ms"] is NSNull)
        #expect(line["user_id"] is NSNull)
        #expect(line["client"] as? String == "127.0.0.1")
        #expect(line["request_id"] as? String == response.header("X-Request-ID"))
        await gateway.shutdown()
    }

    @Test("exactly one line per request, whatever the outcome, each with its own request id")
    func oneLinePerRequest() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await TestGateway.start(upstream: upstream.url)
        let token = TestGateway.bearer()
        let requests: [(String, String, [(String, String)], Int)] = [
            ("GET", "/health", [], 200),
            ("OPTIONS", "/api/v1/conversations", [], 200),
            ("GET", "/api/v1/conversations", [token], 200),
            ("GET", "/api/v1/conversations", [], 401),
            ("GET", "/api/v1/nope", [token], 404),
            ("GET", "/api/v1/admin/x", [token], 403),
            ("GET", "/api/v1/agents/a/execute", [token], 405),
            ("GET", "/api/v1/../etc", [token], 400),
        ]
        var ids: [String] = []
        // Several on one keep-alive connection too, to show the line is per request, not per connection.
        let client = try await RawHTTPClient.connect(port: gateway.port)
        for (index, (method, target, headers, status)) in requests.enumerated() {
            let id = "one-line-\(index)"
            let response = try await client.exchange(method, target, headers: headers + [("X-Request-ID", id)])
            #expect(response.status == status, "\(method) \(target)")
            ids.append(id)
            if response.header("Connection") == "close" { break }
        }
        await client.close()
        let lines = await gateway.flushedAccessLines()
        #expect(lines.count == ids.count, "\(lines)")
        for (index, id) in ids.enumerated() {
            let line = try accessLogObject(withRequestID: id, in: lines)
            #expect(line["status"] as? Int == requests[index].3)
            #expect(line["method"] as? String == requests[index].0)
        }
        await gateway.shutdown()
        try await upstream.shutdown()
    }

    @Test("an unmatched path logs route unmatched and service gateway")
    func unmatched() async throws {
        let gateway = try await TestGateway.start(upstream: nil)
        _ = try await gateway.fetch("GET", "/api/v1/unknown/thing", headers: [TestGateway.bearer("u9")])
        let lines = await gateway.flushedAccessLines()
        try #require(lines.count == 1)
        let line = try accessLogObject(lines[0])
        #expect(line["route"] as? String == "unmatched")
        #expect(line["service"] as? String == "gateway")
        #expect(line["status"] as? Int == 404)
        #expect(line["user_id"] as? String == "u9")
        await gateway.shutdown()
    }

    @Test("a request refused before the head is complete (parser error) still gets one line")
    func parserErrorIsLogged() async throws {
        let gateway = try await TestGateway.start(upstream: nil)
        let client = try await RawHTTPClient.connect(port: gateway.port)
        try await client.send("GET /api/v1/conversations HTTP/1.1\r\nHost: x\r\nX-Thing : y\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.status == 400)
        await client.close()
        let lines = await gateway.flushedAccessLines()
        #expect(lines.count == 1, "a 400 the gateway sent left no access line: \(lines)")
        if let first = lines.first {
            let line = try accessLogObject(first)
            #expect(line["status"] as? Int == 400)
            #expect(line["request_id"] as? String == response.header("X-Request-ID"))
        }
        await gateway.shutdown()
    }

    @Test("the client address is written without a port, IPv4-mapped addresses as IPv4")
    func clientAddress() async throws {
        let gateway = try await TestGateway.start(upstream: nil)
        _ = try await gateway.fetch("GET", "/health", headers: [("X-Forwarded-For", "203.0.113.9")])
        let lines = await gateway.flushedAccessLines()
        try #require(lines.count == 1)
        // The peer is not a trusted proxy, so its X-Forwarded-For is not believed.
        #expect(try accessLogObject(lines[0])["client"] as? String == "127.0.0.1")
        await gateway.shutdown()
    }
}
