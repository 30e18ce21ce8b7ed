import Foundation
import GatewayCore
import Testing

/// `aegis_requests_total` and `aegis_request_duration_seconds` after known traffic (SPEC §13).
@Suite("Metrics: request counters and histogram")
struct RequestMetricsTests {
    private static let route = "/api/v1/conversations*"

    /// Sends the known traffic and returns the scrape that follows it.
    private func scrapeAfterKnownTraffic() async throws -> (PrometheusExposition, TestGateway, TestUpstream) {
        let upstream = try await TestUpstream.start()
        let gateway = try await TestGateway.start(upstream: upstream.url, withMetrics: true)
        let token = TestGateway.bearer("metrics-user-77")
        for _ in 0..<3 {
            let ok = try await gateway.fetch(
                "GET", "/api/v1/conversations/secret-123?q=private-query", headers: [token])
            try #require(ok.status == 200)
        }
        let missing = try await gateway.fetch("GET", "/api/v1/conversations/secret-123")
        try #require(missing.status == 401)
        let badSignature = TestTokens.valid(userID: "metrics-user-77", secret: "some-other-secret")
        let invalid = try await gateway.fetch(
            "GET", "/api/v1/conversations/secret-123", headers: [("Authorization", "Bearer " + badSignature)])
        try #require(invalid.status == 401)
        let unknown = try await gateway.fetch("GET", "/api/v1/no-such-thing/secret-path", headers: [token])
        try #require(unknown.status == 404)
        let propfind = try await gateway.fetch("PROPFIND", "/api/v1/conversations/secret-123", headers: [token])
        try #require(propfind.status == 200)
        return (try await gateway.scrapeMetrics(), gateway, upstream)
    }

    private func stop(_ gateway: TestGateway, _ upstream: TestUpstream) async throws {
        await gateway.shutdown()
        try await upstream.shutdown()
    }

    @Test("aegis_requests_total counts each outcome under the route pattern, service, method and status")
    func requestCounters() async throws {
        let (metrics, gateway, upstream) = try await scrapeAfterKnownTraffic()
        let base = ["route": Self.route, "service": "orchestration", "method": "GET"]
        #expect(metrics.value("aegis_requests_total", base.merging(["status": "200"]) { $1 }) == 3, "\(metrics.text)")
        #expect(metrics.value("aegis_requests_total", base.merging(["status": "401"]) { $1 }) == 2, "\(metrics.text)")
        #expect(
            metrics.value(
                "aegis_requests_total",
                ["route": "unmatched", "service": "gateway", "method": "GET", "status": "404"]) == 1,
            "\(metrics.text)")
        #expect(
            metrics.value(
                "aegis_requests_total",
                ["route": Self.route, "service": "orchestration", "method": "other", "status": "200"]) == 1,
            "\(metrics.text)")
        #expect(metrics.sum("aegis_requests_total") == 7, "\(metrics.text)")
        try await stop(gateway, upstream)
    }

    @Test("the duration histogram counts the same requests, with cumulative buckets up to +Inf")
    func durationHistogram() async throws {
        let (metrics, gateway, upstream) = try await scrapeAfterKnownTraffic()
        let labels = ["route": Self.route, "service": "orchestration", "method": "GET"]
        #expect(metrics.value("aegis_request_duration_seconds_count", labels) == 5, "\(metrics.text)")
        let buckets = metrics.samples("aegis_request_duration_seconds_bucket", labels)
            .compactMap { sample in sample.labels["le"].map { (le: $0, value: sample.value) } }
        try #require(!buckets.isEmpty, "no histogram buckets: \(metrics.text)")
        let sorted = buckets.sorted { (Double($0.le) ?? .infinity) < (Double($1.le) ?? .infinity) }
        #expect(sorted.last?.le == "+Inf")
        #expect(sorted.last?.value == 5)
        #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0.value <= $1.value }, "buckets not cumulative")
        let sum = try #require(metrics.value("aegis_request_duration_seconds_sum", labels))
        #expect(sum > 0 && sum < 5 * 10, "implausible duration sum \(sum)")
        #expect(
            metrics.value(
                "aegis_request_duration_seconds_count",
                [
                    "route": "unmatched", "service": "gateway", "method": "GET",
                ]) == 1)
        #expect(
            metrics.value(
                "aegis_request_duration_seconds_count",
                [
                    "route": Self.route, "service": "orchestration", "method": "other",
                ]) == 1)
        try await stop(gateway, upstream)
    }

    @Test("labels never carry a raw path, a query, a user id or a client address")
    func labelHygiene() async throws {
        let (metrics, gateway, upstream) = try await scrapeAfterKnownTraffic()
        // Upstream endpoints are named by address on purpose (SPEC §15); clients never are.
        let requestSeries = metrics.text.split(separator: "\n").filter { !$0.contains("aegis_upstream_endpoint_up") }
            .joined(separator: "\n")
        for forbidden in ["secret-123", "secret-path", "private-query", "metrics-user-77", "127.0.0.1", "PROPFIND"] {
            #expect(!requestSeries.contains(forbidden), "metrics mention \(forbidden)")
        }
        let routeValues = Set(metrics.samples.compactMap { $0.labels["route"] })
        let known = Set(aegisRoutes.map(\.pattern)).union(["unmatched"])
        #expect(routeValues.isSubset(of: known), "route labels outside the table: \(routeValues.subtracting(known))")
        let methods = Set(metrics.samples.compactMap { $0.labels["method"] })
        #expect(methods.isSubset(of: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"]))
        for sample in metrics.samples where sample.name != "aegis_upstream_endpoint_up" {
            #expect(
                Set(sample.labels.keys).isSubset(of: ["route", "service", "method", "status", "le", "kind", "reason"]),
                "unexpected label in \(sample)")
        }
        try await stop(gateway, upstream)
    }

    @Test("an invalid token counts as an auth failure with its reason")
    func authFailures() async throws {
        let (metrics, gateway, upstream) = try await scrapeAfterKnownTraffic()
        #expect(metrics.value("aegis_auth_failures_total", ["reason": "signature"]) == 1, "\(metrics.text)")
        for reason in Set(metrics.samples("aegis_auth_failures_total").compactMap({ $0.labels["reason"] })) {
            #expect(AuthFailure(rawValue: reason) != nil || reason == "missing", "odd reason label \(reason)")
        }
        try await stop(gateway, upstream)
    }

    @Test("in-flight and open-stream gauges are exported and zero when idle")
    func idleGauges() async throws {
        let (metrics, gateway, upstream) = try await scrapeAfterKnownTraffic()
        #expect(metrics.value("aegis_in_flight_requests") == 0, "\(metrics.text)")
        #expect(metrics.value("aegis_open_streams") == 0, "\(metrics.text)")
        try await stop(gateway, upstream)
    }

    @Test("counters accumulate across scrapes instead of resetting")
    func countersAccumulate() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await TestGateway.start(upstream: upstream.url, withMetrics: true)
        let labels = ["route": Self.route, "service": "orchestration", "method": "POST", "status": "200"]
        _ = try await gateway.fetch("POST", "/api/v1/conversations", headers: [TestGateway.bearer()], body: [1])
        #expect(try await gateway.scrapeMetrics().value("aegis_requests_total", labels) == 1)
        _ = try await gateway.fetch("POST", "/api/v1/conversations", headers: [TestGateway.bearer()], body: [1])
        _ = try await gateway.fetch("POST", "/api/v1/conversations", headers: [TestGateway.bearer()], body: [1])
        #expect(try await gateway.scrapeMetrics().value("aegis_requests_total", labels) == 3)
        try await stop(gateway, upstream)
    }
}
