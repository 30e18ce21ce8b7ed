import GatewayCore
import Testing

/// SPEC §4: any OPTIONS is answered by the gateway itself, before the limiter and auth.
@Suite("CORS preflight (OPTIONS)")
struct CORSPreflightTests {
    static let targets = [
        "/api/v1/conversations",  // protected
        "/api/v1/admin/x",  // role-protected
        "/api/v1/detection-rules/1",  // role-protected
        "/api/v1/entity-types",  // public, proxied
        "/api/v1/no-such-route",  // unknown
        "/health",
        "/api/v1/agents/a1/execute",  // POST-only route
    ]

    @Test(arguments: targets)
    func optionsIsAnsweredLocallyWithoutAToken(_ target: String) async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let response = try await gateway.fetch(
                "OPTIONS", target,
                headers: [("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")])
            #expect(response.status == 200, "\(response.rawHead)")
            #expect(response.bodyCount == 0)
            #expect(response.header("WWW-Authenticate") == nil)
            GatewayExpect.standardCORS(response, "OPTIONS \(target)")
            #expect(upstream.requests.isEmpty)

            // The upstream is reachable: a proxied request afterwards is the only one it sees.
            let get = try await gateway.fetch("GET", SecurityHarness.publicPath)
            #expect(get.status == 200)
            let recorded = try await upstream.waitForRequests(1)
            #expect(recorded.count == 1)
            #expect(recorded.map(\.method) == ["GET"])
        }
    }

    @Test func optionsWithAnInvalidTokenIsStill200() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let response = try await gateway.fetch(
                "OPTIONS", "/api/v1/admin/x", headers: [SecurityTokens.bearer("not.a.token")])
            #expect(response.status == 200)
            #expect(response.bodyCount == 0)
            #expect(upstream.requests.isEmpty)
        }
    }

    @Test func optionsIsNotRateLimitedAndDoesNotSpendTheBucket() async throws {
        try await TestGateway.withUpstream(configure: {
            $0.rateLimitBurst = 1
            $0.rateLimitPerMinute = 1
        }) { (gateway: TestGateway, upstream: TestUpstream) async throws in
            for i in 0..<12 {
                let response = try await gateway.fetch("OPTIONS", SecurityHarness.protectedPath)
                #expect(response.status == 200, "OPTIONS #\(i)")
                GatewayExpect.standardCORS(response, "OPTIONS #\(i)")
            }
            // The single token of this client's bucket is still there...
            let first = try await gateway.fetch("GET", SecurityHarness.publicPath)
            #expect(first.status == 200)
            // ...and the limiter is really on.
            let second = try await gateway.fetch("GET", SecurityHarness.publicPath)
            #expect(second.status == 429)
            // Preflight keeps working for a limited client.
            let after = try await gateway.fetch("OPTIONS", SecurityHarness.publicPath)
            #expect(after.status == 200)
            #expect(upstream.requests.count == 1)
        }
    }
}
