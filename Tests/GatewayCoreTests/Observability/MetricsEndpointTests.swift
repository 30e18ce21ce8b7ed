import GatewayCore
import Testing

/// `/metrics` lives on the metrics port only (SPEC §13).
@Suite("Metrics: where /metrics is served")
struct MetricsEndpointTests {
    @Test("the public port has no /metrics: 401 without a token, 404 with one, never proxied")
    func notOnPublicPort() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await TestGateway.start(upstream: upstream.url, withMetrics: true)
        let anonymous = try await gateway.fetch("GET", "/metrics")
        #expect(anonymous.status == 401)
        #expect(!anonymous.bodyString.contains("aegis_"))
        let authorised = try await gateway.fetch("GET", "/metrics", headers: [TestGateway.bearer()])
        #expect(authorised.status == 404)
        #expect(!authorised.bodyString.contains("aegis_"))
        #expect(try authorised.jsonObject()["error"] as? String == "not_found")
        #expect(upstream.requests.isEmpty)
        await gateway.shutdown()
        try await upstream.shutdown()
    }

    @Test("the metrics port serves Prometheus text at /metrics and nothing else")
    func metricsPort() async throws {
        let gateway = try await TestGateway.start(upstream: nil, withMetrics: true)
        let port = try #require(gateway.metricsPort)
        #expect(port != gateway.port)
        let scrape = try await RawHTTPClient.fetch(port: port, "GET", "/metrics")
        #expect(scrape.status == 200)
        #expect(scrape.header("Content-Type")?.hasPrefix("text/plain") == true)
        #expect(scrape.bodyString.contains("# TYPE aegis_in_flight_requests gauge"), "\(scrape.bodyString)")
        let other = try await RawHTTPClient.fetch(port: port, "GET", "/api/v1/conversations")
        #expect(other.status == 404)
        let post = try await RawHTTPClient.fetch(port: port, "POST", "/metrics", body: [])
        #expect(post.status != 200)
        let withQuery = try await RawHTTPClient.fetch(port: port, "GET", "/metrics?name=x")
        #expect(withQuery.status == 200)
        await gateway.shutdown()
    }

    @Test("scrapes are not themselves counted as gateway requests")
    func scrapesAreNotRequests() async throws {
        let gateway = try await TestGateway.start(upstream: nil, withMetrics: true)
        _ = try await gateway.scrapeMetrics()
        _ = try await gateway.scrapeMetrics()
        let metrics = try await gateway.scrapeMetrics()
        #expect(metrics.sum("aegis_requests_total") == 0, "\(metrics.text)")
        #expect(gateway.accessLog.lines.isEmpty)
        await gateway.shutdown()
    }
}
