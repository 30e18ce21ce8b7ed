import GatewayCore
import Testing

/// `aegis_rate_limited_total` and the 429 series (SPEC §5, §13).
@Suite("Metrics: rate limiting")
struct RateLimitMetricsTests {
    @Test("a request over the limit is a 429 counted once")
    func rateLimited() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await TestGateway.start(upstream: upstream.url, withMetrics: true) {
            $0.rateLimitBurst = 1
            $0.rateLimitPerMinute = 1
        }
        let token = TestGateway.bearer("limited-user")
        let first = try await gateway.fetch("GET", "/api/v1/conversations", headers: [token])
        #expect(first.status == 200)
        let second = try await gateway.fetch("GET", "/api/v1/conversations", headers: [token])
        #expect(second.status == 429)
        let metrics = try await gateway.scrapeMetrics()
        #expect(metrics.value("aegis_rate_limited_total") == 1, "\(metrics.text)")
        let labels = ["route": "/api/v1/conversations*", "service": "orchestration", "method": "GET"]
        #expect(metrics.value("aegis_requests_total", labels.merging(["status": "429"]) { $1 }) == 1, "\(metrics.text)")
        #expect(metrics.value("aegis_requests_total", labels.merging(["status": "200"]) { $1 }) == 1)
        #expect(!metrics.text.contains("limited-user"))
        await gateway.shutdown()
        try await upstream.shutdown()
    }

    @Test("the rate-limited counter starts at zero before any refusal is exported")
    func noRefusalNoCount() async throws {
        let gateway = try await TestGateway.start(upstream: nil, withMetrics: true)
        _ = try await gateway.fetch("GET", "/health")
        let metrics = try await gateway.scrapeMetrics()
        #expect((metrics.value("aegis_rate_limited_total") ?? 0) == 0)
        #expect(
            metrics.value(
                "aegis_requests_total",
                [
                    "route": "/health", "service": "gateway", "method": "GET", "status": "200",
                ]) == 1, "\(metrics.text)")
        await gateway.shutdown()
    }
}
