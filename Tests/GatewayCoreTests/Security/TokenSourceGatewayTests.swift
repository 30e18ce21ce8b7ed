import GatewayCore
import Testing

/// SPEC §6 token source, end to end: which credential the gateway reads, and the 401 challenge.
@Suite("Token source end to end")
struct TokenSourceGatewayTests {
    static let path = SecurityHarness.protectedPath

    @Test(arguments: ["Bearer", "bearer", "BEARER", "bEaReR"])
    func bearerSchemeIsCaseInsensitive(_ scheme: String) async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let token = SecurityTokens.valid("scheme-user")
            let response = try await gateway.fetch("GET", Self.path, headers: [("Authorization", "\(scheme) \(token)")])
            #expect(response.status == 200, "\(response.bodyString)")
            let recorded = try await upstream.waitForRequests(1)
            #expect(recorded[0].headers(named: "X-User-ID") == ["scheme-user"])
        }
    }

    @Test func cookieIsUsedWhenThereIsNoAuthorizationHeader() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let cookie = "theme=dark; aegis_token=\(SecurityTokens.valid("cookie-user")); lang=en"
            let response = try await gateway.fetch("GET", Self.path, headers: [("Cookie", cookie)])
            #expect(response.status == 200, "\(response.bodyString)")
            let recorded = try await upstream.waitForRequests(1)
            #expect(recorded[0].headers(named: "X-User-ID") == ["cookie-user"])
            #expect(recorded[0].headers(named: "Cookie") == [cookie])
        }
    }

    @Test func bearerHeaderWinsOverTheCookie() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let response = try await gateway.fetch(
                "GET", Self.path,
                headers: [
                    SecurityTokens.bearer(SecurityTokens.valid("header-user")),
                    ("Cookie", "aegis_token=\(SecurityTokens.valid("cookie-user", roles: ["admin"]))"),
                ])
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)
            #expect(recorded[0].headers(named: "X-User-ID") == ["header-user"])
            #expect(recorded[0].headers(named: "X-User-Roles") == ["user"])
        }
    }

    @Test func invalidBearerHeaderIsNotRescuedByAValidCookie() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let expired = SecurityTokens.token(SecurityTokens.claims(exp: String(SecurityTokens.now - 60)))
            for bad in ["junk", expired] {
                let response = try await gateway.fetch(
                    "GET", Self.path,
                    headers: [
                        SecurityTokens.bearer(bad), ("Cookie", "aegis_token=\(SecurityTokens.valid("cookie-user"))"),
                    ])
                GatewayExpect.error(response, status: 401, code: "unauthorized", "bad header \(bad)")
                #expect(response.headers(named: "WWW-Authenticate") == [#"Bearer error="invalid_token""#])
            }
            #expect(upstream.requests.isEmpty)
        }
    }

    @Test func otherAuthorizationSchemesFallBackToTheCookie() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let basic = "Basic dXNlcjpwYXNz"
            let ok = try await gateway.fetch(
                "GET", Self.path,
                headers: [("Authorization", basic), ("Cookie", "aegis_token=\(SecurityTokens.valid("cookie-user"))")])
            #expect(ok.status == 200, "\(ok.bodyString)")
            let recorded = try await upstream.waitForRequests(1)
            #expect(recorded[0].headers(named: "X-User-ID") == ["cookie-user"])
            #expect(recorded[0].headers(named: "Authorization") == [basic])

            // Basic alone is no token at all: a plain challenge, not invalid_token.
            let none = try await gateway.fetch("GET", Self.path, headers: [("Authorization", basic)])
            GatewayExpect.error(none, status: 401, code: "unauthorized")
            #expect(none.headers(named: "WWW-Authenticate") == ["Bearer"])
        }
    }

    @Test func apiKeyIsNeitherAcceptedNorForwarded() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let token = SecurityTokens.valid("key-user")
            let refused = try await gateway.fetch("GET", Self.path, headers: [("X-API-Key", token)])
            GatewayExpect.error(refused, status: 401, code: "unauthorized")
            #expect(refused.headers(named: "WWW-Authenticate") == ["Bearer"])

            let ok = try await gateway.fetch(
                "GET", Self.path,
                headers: [SecurityTokens.bearer(token), ("X-API-Key", "secret-key"), ("x-api-key", "two")])
            #expect(ok.status == 200)
            let recorded = try await upstream.waitForRequests(1)
            #expect(recorded.count == 1)
            #expect(recorded[0].headers(named: "X-API-Key").isEmpty, "\(recorded[0].headers)")
        }
    }

    @Test func twoAuthorizationHeadersAreRefused() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let bearer = SecurityTokens.bearer(SecurityTokens.valid())
            for pair in [[bearer, bearer], [bearer, ("Authorization", "Basic dXNlcjpwYXNz")]] {
                let response = try await gateway.fetch("GET", Self.path, headers: pair)
                GatewayExpect.error(response, status: 401, code: "unauthorized")
                #expect(response.headers(named: "WWW-Authenticate") == [#"Bearer error="invalid_token""#])
            }
            #expect(upstream.requests.isEmpty)
        }
    }

    @Test func twoTokenCookiesAreRefused() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let token = SecurityTokens.valid()
            let variants: [[(String, String)]] = [
                [("Cookie", "aegis_token=\(token); aegis_token=\(token)")],
                [("Cookie", "aegis_token=\(token)"), ("Cookie", "aegis_token=\(SecurityTokens.valid("other"))")],
            ]
            for headers in variants {
                let response = try await gateway.fetch("GET", Self.path, headers: headers)
                GatewayExpect.error(response, status: 401, code: "unauthorized")
                #expect(response.headers(named: "WWW-Authenticate") == [#"Bearer error="invalid_token""#])
            }
            #expect(upstream.requests.isEmpty)
        }
    }

    @Test func challengeDependsOnWhetherATokenWasPresented() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let missing = try await gateway.fetch("GET", Self.path)
            GatewayExpect.error(missing, status: 401, code: "unauthorized", "missing")
            #expect(missing.headers(named: "WWW-Authenticate") == ["Bearer"])

            let invalid = try await gateway.fetch("GET", Self.path, headers: [SecurityTokens.bearer("x.y.z")])
            GatewayExpect.error(invalid, status: 401, code: "unauthorized", "invalid")
            #expect(invalid.headers(named: "WWW-Authenticate") == [#"Bearer error="invalid_token""#])

            let badCookie = try await gateway.fetch("GET", Self.path, headers: [("Cookie", "aegis_token=x.y.z")])
            #expect(badCookie.status == 401)
            #expect(badCookie.headers(named: "WWW-Authenticate") == [#"Bearer error="invalid_token""#])
            #expect(upstream.requests.isEmpty)
        }
    }
}
