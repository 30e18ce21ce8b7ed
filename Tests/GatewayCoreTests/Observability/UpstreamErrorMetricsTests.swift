import GatewayCore
import NIOCore
import Testing

/// `aegis_upstream_errors_total{service,kind}` for each way an upstream can fail (SPEC §11, §13).
@Suite("Metrics: upstream errors")
struct UpstreamErrorMetricsTests {
    @Test("a refused connection is a 502 and counts kind=refused")
    func refused() async throws {
        let gateway = try await TestGateway.start(upstream: nil, withMetrics: true)
        let response = try await gateway.fetch("GET", "/api/v1/approvals/1", headers: [TestGateway.bearer()])
        #expect(response.status == 502)
        let metrics = try await gateway.scrapeMetrics()
        #expect(
            metrics.value("aegis_upstream_errors_total", ["service": "approval", "kind": "refused"]) == 1,
            "\(metrics.text)")
        #expect(metrics.sum("aegis_upstream_errors_total") == 1)
        #expect(
            metrics.value(
                "aegis_requests_total",
                ["route": "/api/v1/approvals*", "service": "approval", "method": "GET", "status": "502"]) == 1,
            "\(metrics.text)")
        await gateway.shutdown()
    }

    @Test("an upstream that closes without answering is a 502 and counts kind=reset")
    func reset() async throws {
        let upstream = try await TestUpstream.start { _ in .closeWithoutResponse }
        let gateway = try await TestGateway.start(upstream: upstream.url, withMetrics: true)
        let response = try await gateway.fetch("GET", "/api/v1/events", headers: [TestGateway.bearer()])
        #expect(response.status == 502)
        let metrics = try await gateway.scrapeMetrics()
        #expect(
            metrics.value("aegis_upstream_errors_total", ["service": "flaring", "kind": "reset"]) == 1,
            "\(metrics.text)")
        #expect(
            metrics.value(
                "aegis_requests_total",
                ["route": "/api/v1/events*", "service": "flaring", "method": "GET", "status": "502"]) == 1)
        await gateway.shutdown()
        try await upstream.shutdown()
    }

    @Test("no response head in time is a 504 and counts kind=timeout")
    func timeout() async throws {
        let upstream = try await TestUpstream.start { _ in .delayHead(.seconds(5), then: .json("{}")) }
        let gateway = try await TestGateway.start(upstream: upstream.url, withMetrics: true) {
            $0.upstreamResponseTimeoutMilliseconds = 200
        }
        let response = try await gateway.fetch("GET", "/api/v1/rules", headers: [TestGateway.bearer()])
        #expect(response.status == 504)
        let metrics = try await gateway.scrapeMetrics()
        #expect(
            metrics.value("aegis_upstream_errors_total", ["service": "orchestration", "kind": "timeout"]) == 1,
            "\(metrics.text)")
        await gateway.shutdown()
        try await upstream.shutdown()
    }

    @Test("an upstream that dies mid-body counts kind=reset, status label the one sent")
    func resetAfterHead() async throws {
        let upstream = try await TestUpstream.start { _ in
            .resetAfterHead(status: 200, promisedLength: 4096, sentBytes: 10)
        }
        let gateway = try await TestGateway.start(upstream: upstream.url, withMetrics: true)
        let client = try await RawHTTPClient.connect(port: gateway.port)
        try await client.send(RawHTTPClient.request("GET", "/api/v1/checklists", headers: [TestGateway.bearer()]))
        _ = try? await client.readResponse()
        #expect(await client.isClosed(within: .seconds(15)))
        let metrics = try await gateway.scrapeMetrics()
        #expect(
            metrics.value("aegis_upstream_errors_total", ["service": "orchestration", "kind": "reset"]) == 1,
            "\(metrics.text)")
        #expect(
            metrics.value(
                "aegis_requests_total",
                ["route": "/api/v1/checklists*", "service": "orchestration", "method": "GET", "status": "200"]) == 1)
        await gateway.shutdown()
        try await upstream.shutdown()
    }
}

/// SPEC §11 errors keep their cause: the access log's `upstream_error` says why a 502/504 happened.
@Suite("Access log: upstream error causes")
struct UpstreamErrorCauseTests {
    static func cause(of plan: @escaping TestUpstream.Handler) async throws -> (Int, String?, Double?) {
        var result: (Int, String?, Double?) = (0, nil, nil)
        try await TestGateway.withUpstream(handler: plan) { gateway, _ in
            let response = try await gateway.fetch(
                "GET", "/api/v1/rules", headers: [CoreProxy.auth, ("X-Request-ID", "cause-probe")])
            let line = try accessLogObject(withRequestID: "cause-probe", in: await gateway.flushedAccessLines())
            let metrics = try PrometheusExposition(
                String(decoding: await gateway.observability.scrape(), as: UTF8.self))
            result = (
                response.status, line["upstream_error"] as? String,
                metrics.value("aegis_upstream_errors_total", ["service": "orchestration", "kind": "invalid_response"])
            )
        }
        return result
    }

    @Test func aMalformedResponseNamesTheParsersReason() async throws {
        let (status, cause, count) = try await Self.cause { _ in
            .raw(Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello".utf8))
        }
        #expect(status == 502)
        #expect(cause == "invalid response: conflicting Content-Length")
        #expect(count == 1)
    }

    @Test func switchingProtocolsIsAnInvalidResponse() async throws {
        let (status, cause, count) = try await Self.cause { _ in
            .raw(Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n".utf8))
        }
        #expect(status == 502)
        #expect(cause == "invalid response: 101 Switching Protocols")
        #expect(count == 1)
    }

    @Test func aSuccessHasNoCause() async throws {
        let (status, cause, _) = try await Self.cause { _ in .json(#"{"ok":true}"#) }
        #expect(status == 200)
        #expect(cause == nil)
    }
}
