import GatewayCore
import Testing

/// SPEC §5 through the real gateway. Buckets that must not refill during a test use
/// 1 request per minute, so no test depends on how fast the machine is.
@Suite("Rate limiting end to end")
struct RateLimitGatewayTests {
    static func tight(_ config: inout GatewayConfiguration) {
        config.rateLimitBurst = 1
        config.rateLimitPerMinute = 1
    }

    @Test func burstOfThreeThenA429WithRetryAfter() async throws {
        try await TestGateway.withUpstream(configure: {
            $0.rateLimitBurst = 3
            // One token a minute: a slow, loaded test run cannot refill the bucket in between.
            $0.rateLimitPerMinute = 1
        }) { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let user = TestGateway.bearer("burst-user")
            for i in 1...3 {
                let response = try await gateway.fetch("GET", SecurityHarness.protectedPath, headers: [user])
                #expect(response.status == 200, "request \(i)")
            }
            let limited = try await gateway.fetch("GET", SecurityHarness.protectedPath, headers: [user])
            GatewayExpect.error(limited, status: 429, code: "rate_limited", "4th request")
            let retryAfter = try #require(limited.header("Retry-After"))
            #expect(Int(retryAfter).map { $0 >= 1 } == true, "Retry-After \(retryAfter)")
            GatewayExpect.standardCORS(limited, "429")
            #expect(upstream.requests.count == 3)
        }
    }

    @Test func proxiedResponsesCarryRateLimitHeaders() async throws {
        try await TestGateway.withUpstream(
            handler: { _ in .json("{}", headers: [("RateLimit", "forged"), ("RateLimit-Policy", "forged")]) },
            configure: {
                $0.rateLimitBurst = 3
                $0.rateLimitPerMinute = 1
            }
        ) { (gateway: TestGateway, _: TestUpstream) async throws in
            let user = TestGateway.bearer("headers-user")
            let first = try await gateway.fetch("GET", SecurityHarness.protectedPath, headers: [user])
            let second = try await gateway.fetch("GET", SecurityHarness.protectedPath, headers: [user])
            for (n, response) in [first, second].enumerated() {
                #expect(response.status == 200)
                let policy = response.headers(named: "RateLimit-Policy")
                let current = response.headers(named: "RateLimit")
                #expect(policy.count == 1, "response \(n): \(response.rawHead)")
                #expect(current.count == 1, "response \(n): \(response.rawHead)")
                #expect(policy.first?.contains("q=3") == true, "policy \(policy)")
                #expect(!response.rawHead.contains("forged"))
            }
            // Remaining tokens count down.
            #expect(first.header("RateLimit")?.contains("r=2") == true, "\(first.header("RateLimit") ?? "-")")
            #expect(second.header("RateLimit")?.contains("r=1") == true, "\(second.header("RateLimit") ?? "-")")
        }
    }

    @Test func separateUsersHaveSeparateBuckets() async throws {
        try await TestGateway.withUpstream(configure: Self.tight) {
            (gateway: TestGateway, _: TestUpstream) async throws in
            let alice = TestGateway.bearer("alice")
            let bob = TestGateway.bearer("bob")
            #expect(try await gateway.fetch("GET", SecurityHarness.protectedPath, headers: [alice]).status == 200)
            #expect(try await gateway.fetch("GET", SecurityHarness.protectedPath, headers: [alice]).status == 429)
            #expect(try await gateway.fetch("GET", SecurityHarness.protectedPath, headers: [bob]).status == 200)
            #expect(try await gateway.fetch("GET", SecurityHarness.protectedPath, headers: [bob]).status == 429)
            // The IP bucket is yet another one.
            #expect(try await gateway.fetch("GET", SecurityHarness.publicPath).status == 200)
        }
    }

    @Test func aJunkTokenDoesNotBuyAFreshBucket() async throws {
        try await TestGateway.withUpstream(configure: Self.tight) {
            (gateway: TestGateway, _: TestUpstream) async throws in
            // Anonymous request spends the IP bucket.
            #expect(try await gateway.fetch("GET", SecurityHarness.publicPath).status == 200)
            // Junk tokens, and a forged token naming another user, fall back to that IP bucket.
            let forged = SecurityTokens.token(SecurityTokens.claims(userID: #""victim""#), secret: "wrong-secret")
            for token in ["junk", "a.b.c", forged] {
                let response = try await gateway.fetch(
                    "GET", SecurityHarness.publicPath, headers: [SecurityTokens.bearer(token)])
                #expect(response.status == 429, "token \(token)")
                let protected = try await gateway.fetch(
                    "GET", SecurityHarness.protectedPath, headers: [SecurityTokens.bearer(token)])
                #expect(protected.status == 429, "limiter runs before auth; token \(token)")
            }
            // The real victim still has the whole bucket.
            let victim = try await gateway.fetch(
                "GET", SecurityHarness.protectedPath, headers: [TestGateway.bearer("victim")])
            #expect(victim.status == 200)
        }
    }

    @Test func spoofedForwardedForFromAnUntrustedPeerIsIgnored() async throws {
        try await TestGateway.withUpstream(configure: Self.tight) {
            (gateway: TestGateway, _: TestUpstream) async throws in
            let first = try await gateway.fetch(
                "GET", SecurityHarness.publicPath, headers: [("X-Forwarded-For", "198.51.100.1")])
            #expect(first.status == 200)
            for spoof in ["198.51.100.2", "203.0.113.9, 198.51.100.3", "2001:db8::1"] {
                let response = try await gateway.fetch(
                    "GET", SecurityHarness.publicPath, headers: [("X-Forwarded-For", spoof)])
                #expect(response.status == 429, "XFF \(spoof)")
            }
            #expect(try await gateway.fetch("GET", SecurityHarness.publicPath).status == 429)
        }
    }

    @Test func trustedProxyForwardedForGivesEachClientItsOwnBucket() async throws {
        try await TestGateway.withUpstream(configure: {
            Self.tight(&$0)
            $0.trustedProxies = [CIDR(parsing: "127.0.0.1")!]
        }) { (gateway: TestGateway, upstream: TestUpstream) async throws in
            func get(_ xff: String) async throws -> Int {
                try await gateway.fetch("GET", SecurityHarness.publicPath, headers: [("X-Forwarded-For", xff)]).status
            }
            #expect(try await get("198.51.100.1") == 200)
            #expect(try await get("198.51.100.1") == 429)
            #expect(try await get("198.51.100.2") == 200)
            // Right-most untrusted hop: a client-written left entry changes nothing.
            #expect(try await get("10.9.9.9, 198.51.100.2") == 429)
            #expect(try await get("198.51.100.3, 127.0.0.1") == 200)
            #expect(try await get("198.51.100.3") == 429)
            // The peer itself without XFF has its own bucket.
            #expect(try await gateway.fetch("GET", SecurityHarness.publicPath).status == 200)
            #expect(upstream.requests.count == 4)
        }
    }

    @Test func healthAndReadyAreNotLimited() async throws {
        try await TestGateway.withUpstream(configure: Self.tight) {
            (gateway: TestGateway, _: TestUpstream) async throws in
            for i in 0..<8 {
                #expect(try await gateway.fetch("GET", "/health").status == 200, "health #\(i)")
                #expect(try await gateway.fetch("GET", "/ready").status == 200, "ready #\(i)")
                #expect(try await gateway.fetch("HEAD", "/health").status == 200, "HEAD health #\(i)")
            }
            // They did not spend the bucket either.
            #expect(try await gateway.fetch("GET", SecurityHarness.publicPath).status == 200)
            #expect(try await gateway.fetch("GET", SecurityHarness.publicPath).status == 429)
            #expect(try await gateway.fetch("GET", "/health").status == 200)
        }
    }

    @Test func hygieneRefusalsAreNotCounted() async throws {
        try await TestGateway.withUpstream(configure: Self.tight) {
            (gateway: TestGateway, _: TestUpstream) async throws in
            for _ in 0..<3 {
                #expect(try await gateway.fetch("GET", "/api/v1/entity-types/%2e%2e/x").status == 400)
            }
            #expect(try await gateway.fetch("GET", SecurityHarness.publicPath).status == 200)
        }
    }
}
