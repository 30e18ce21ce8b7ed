import GatewayCore
import Testing

/// SPEC §6/§9: which paths need no token, on segment boundaries, and what an
/// unknown path answers.
@Suite("Public paths end to end")
struct PublicPathTests {
    static let publicTargets = [
        "/api/v1/entity-types", "/api/v1/entity-types/", "/api/v1/entity-types/x", "/api/v1/entity-types/x/y?q=1",
        "/api/v1/relationship-types", "/api/v1/relationship-types/x",
        "/api/v1/relationship-rules", "/api/v1/relationship-rules/x",
        "/api/v1/auth/token",
    ]

    /// Boundary twins of the public paths: none of them is public.
    static let protectedTwins = [
        "/api/v1/entity-typesX", "/api/v1/entity-types-evil", "/api/v1/entity-types.json",
        "/api/v1/relationship-typesX", "/api/v1/relationship-rulesX",
        "/api/v1/auth/other", "/api/v1/auth/token/x", "/api/v1/auth/tokenX", "/api/v1/auth",
        "/api/v1/ENTITY-TYPES", "/api/v1/entity-types%2Fx",
    ]

    @Test(arguments: publicTargets)
    func publicPathIsServedWithoutAToken(_ target: String) async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let method = target == "/api/v1/auth/token" ? "POST" : "GET"
            let response = try await gateway.fetch(method, target, body: method == "POST" ? Array("{}".utf8) : nil)
            #expect(response.status == 200, "\(target): \(response.bodyString)")
            let recorded = try await upstream.waitForRequests(1)
            #expect(GatewayExpect.userHeaders(recorded[0]).isEmpty)
        }
    }

    @Test(arguments: protectedTwins)
    func boundaryTwinIsNotPublic(_ target: String) async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let response = try await gateway.fetch("GET", target)
            // %2F is refused by hygiene (400); everything else needs a token.
            if target.contains("%2F") {
                #expect(response.status == 400, "\(target)")
            } else {
                GatewayExpect.error(response, status: 401, code: "unauthorized", target)
                #expect(response.headers(named: "WWW-Authenticate") == ["Bearer"])
            }
            #expect(upstream.requests.isEmpty)
        }
    }

    @Test func unknownPathIs401WithoutTokenAnd404WithOne() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            for target in ["/api/v1/no-such-thing", "/", "/api/v2/entity-types", "/api/v1/entity-typesX"] {
                let anonymous = try await gateway.fetch("GET", target)
                GatewayExpect.error(anonymous, status: 401, code: "unauthorized", "anonymous \(target)")
                let junk = try await gateway.fetch("GET", target, headers: [SecurityTokens.bearer("junk")])
                GatewayExpect.error(junk, status: 401, code: "unauthorized", "junk token \(target)")
                let authenticated = try await gateway.fetch("GET", target, headers: [TestGateway.bearer()])
                GatewayExpect.error(authenticated, status: 404, code: "not_found", "authenticated \(target)")
            }
            #expect(upstream.requests.isEmpty)
        }
    }

    @Test func publicPathWithAValidTokenStillGetsTheIdentity() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let response = try await gateway.fetch(
                "GET", "/api/v1/relationship-rules/7",
                headers: [SecurityTokens.bearer(SecurityTokens.valid("pub-user", roles: ["analyst", "power_user"]))])
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)
            #expect(recorded[0].headers(named: "X-User-ID") == ["pub-user"])
            #expect(recorded[0].headers(named: "X-User-Roles") == ["analyst,power_user"])
        }
    }

    @Test func publicPathWithAnInvalidTokenIsServedWithoutIdentity() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let expired = SecurityTokens.token(
                SecurityTokens.claims(userID: #""ghost""#, exp: String(SecurityTokens.now - 5)))
            let tampered = SecurityTokens.token(SecurityTokens.claims(userID: #""ghost""#), secret: "nope")
            for token in ["junk", expired, tampered] {
                let response = try await gateway.fetch(
                    "GET", "/api/v1/entity-types",
                    headers: [SecurityTokens.bearer(token), ("X-User-ID", "ghost"), ("X-User-Roles", "admin")])
                #expect(response.status == 200, "\(response.bodyString)")
            }
            let recorded = try await upstream.waitForRequests(3)
            for request in recorded {
                #expect(GatewayExpect.userHeaders(request).isEmpty, "\(request.headers)")
            }
        }
    }

    @Test func healthAndReadyNeedNoToken() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let health = try await gateway.fetch("GET", "/health", headers: [SecurityTokens.bearer("junk")])
            #expect(health.status == 200)
            #expect(health.bodyString == #"{"status":"ok"}"#)
            let ready = try await gateway.fetch("GET", "/ready")
            #expect(ready.status == 200)
            #expect(ready.bodyString == #"{"status":"ready"}"#)
            #expect(upstream.requests.isEmpty)
        }
    }
}
