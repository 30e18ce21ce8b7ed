import GatewayCore
import Testing

/// SPEC §7: client-sent identity headers never reach a backend; the gateway's own do.
@Suite("Identity headers to the backends")
struct IdentityHeaderTests {
    static let spoofed: [(String, String)] = [
        ("X-User-ID", "admin"),
        ("x-user-roles", "admin"),
        ("X_User_Id", "admin"),
        ("x.user.id", "admin"),
        ("X-USER-EVIL", "1"),
        ("x-user_roles", "admin"),
        ("X.User-Roles", "admin"),
    ]

    @Test func spoofedUserHeadersAreReplacedByTheTokenIdentity() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let token = SecurityTokens.valid("u-real", roles: ["user", "power_user"])
            let response = try await gateway.fetch(
                "GET", SecurityHarness.protectedPath, headers: Self.spoofed + [SecurityTokens.bearer(token)])
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)
            let identity = GatewayExpect.userHeaders(recorded[0])
            #expect(identity.map { $0.0.lowercased() }.sorted() == ["x-user-id", "x-user-roles"], "\(identity)")
            #expect(recorded[0].headers(named: "X-User-ID") == ["u-real"])
            #expect(recorded[0].headers(named: "X-User-Roles") == ["user,power_user"])
            #expect(!recorded[0].headers.contains { $0.1 == "admin" }, "\(recorded[0].headers)")
        }
    }

    @Test func spoofedUserHeadersAreRemovedWithoutAToken() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let response = try await gateway.fetch("GET", SecurityHarness.publicPath, headers: Self.spoofed)
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)
            #expect(GatewayExpect.userHeaders(recorded[0]).isEmpty, "\(recorded[0].headers)")
        }
    }

    @Test func rolesHeaderIsEmptyWhenTheTokenHasNoRoles() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let emptyRoles = SecurityTokens.valid("no-roles-1", roles: [])
            let absentRoles = SecurityTokens.valid("no-roles-2", roles: nil)
            for token in [emptyRoles, absentRoles] {
                let response = try await gateway.fetch(
                    "GET", SecurityHarness.protectedPath,
                    headers: [SecurityTokens.bearer(token), ("X-User-Roles", "admin")])
                #expect(response.status == 200)
            }
            let recorded = try await upstream.waitForRequests(2)
            #expect(recorded.map { $0.headers(named: "X-User-ID") } == [["no-roles-1"], ["no-roles-2"]])
            #expect(recorded.map { $0.headers(named: "X-User-Roles") } == [[""], [""]])
        }
    }

    @Test func userIDIsForwardedVerbatim() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            // Punctuation and spaces are allowed in user_id; only control characters are not.
            let user = "svc c0de@example.org/42;x=\"y\""
            let response = try await gateway.fetch(
                "GET", SecurityHarness.protectedPath, headers: [SecurityTokens.bearer(SecurityTokens.valid(user))])
            #expect(response.status == 200, "\(response.bodyString)")
            let recorded = try await upstream.waitForRequests(1)
            let raw = recorded[0].headers(named: "X-User-ID")
            #expect(raw.count == 1)
            #expect(raw == [user], "\(raw)")
        }
    }

    @Test func authorizationAndCookieAreForwardedUnchanged() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let authorization = "Bearer " + SecurityTokens.valid("fwd-user")
            let cookie = "a=1; aegis_token=whatever; b=two"
            let response = try await gateway.fetch(
                "GET", SecurityHarness.protectedPath, headers: [("Authorization", authorization), ("Cookie", cookie)])
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)
            #expect(recorded[0].headers(named: "Authorization") == [authorization])
            #expect(recorded[0].headers(named: "Cookie") == [cookie])
            #expect(recorded[0].headers(named: "X-User-ID") == ["fwd-user"])
        }
    }

    @Test func connectionHeaderCannotStripTheIdentity() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let response = try await gateway.fetch(
                "GET", SecurityHarness.protectedPath,
                headers: [
                    SecurityTokens.bearer(SecurityTokens.valid("conn-user")),
                    ("Connection", "X-User-ID, X-User-Roles, Authorization"),
                ])
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)
            #expect(recorded[0].headers(named: "X-User-ID") == ["conn-user"])
            #expect(recorded[0].headers(named: "X-User-Roles") == ["user"])
            #expect(recorded[0].headers(named: "Authorization").count == 1)
        }
    }
}
