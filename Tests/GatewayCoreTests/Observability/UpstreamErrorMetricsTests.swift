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
        #expect(metrics.value("aegis_upstream_errors_total", ["service": "approval", "kind": "refused"]) == 1, "\(metrics.text)")
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
        #expect(metrics.value("aegis_upstream_errors_total", ["service": "flaring", "kind": "reset"]) == 1, "\(metrics.text)")
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
        let upstream = try await TestUpstream.start { _ in .resetAfterHead(status: 200, promisedLength: 4096, sentBytes: 10) }
        let gateway = try await TestGateway.start(upstream: upstream.url, withMetrics: true)
        let client = try await RawHTTPClient.connect(port: gateway.port)
        try await client.send(RawHTTPClient.request("GET", "/api/v1/checklists", headers: [TestGateway.bearer()]))
        _ = try? await client.readResponse()
        #expect(await client.isClosed(within: .seconds(5)))
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
