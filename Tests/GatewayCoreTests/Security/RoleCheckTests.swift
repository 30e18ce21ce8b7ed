import GatewayCore
import Testing

/// SPEC §8: role-protected routes, case-sensitive role names.
@Suite("Role checks end to end")
struct RoleCheckTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var path: String
        var roles: [String]?
        var expected: Int
        var testDescription: String { "\(path) roles=\(roles.map { $0.description } ?? "anonymous") → \(expected)" }
    }

    static let cases: [Case] = [
        Case(path: "/api/v1/admin/x", roles: nil, expected: 401),
        Case(path: "/api/v1/admin/x", roles: [], expected: 403),
        Case(path: "/api/v1/admin/x", roles: ["user"], expected: 403),
        Case(path: "/api/v1/admin/x", roles: ["power_user"], expected: 403),
        Case(path: "/api/v1/admin/x", roles: ["Admin"], expected: 403),
        Case(path: "/api/v1/admin/x", roles: ["ADMIN"], expected: 403),
        Case(path: "/api/v1/admin/x", roles: ["admin:read", "admins"], expected: 403),
        Case(path: "/api/v1/admin/x", roles: ["admin"], expected: 200),
        Case(path: "/api/v1/admin/x", roles: ["user", "admin"], expected: 200),
        Case(path: "/api/v1/admin", roles: ["user"], expected: 403),
        Case(path: "/api/v1/admin/users/1?x=y", roles: ["user"], expected: 403),
        Case(path: "/api/v1/detection-rules", roles: nil, expected: 401),
        Case(path: "/api/v1/detection-rules", roles: ["user"], expected: 403),
        Case(path: "/api/v1/detection-rules", roles: ["Power_User"], expected: 403),
        Case(path: "/api/v1/detection-rules", roles: ["power-user"], expected: 403),
        Case(path: "/api/v1/detection-rules", roles: ["power_user"], expected: 200),
        Case(path: "/api/v1/detection-rules", roles: ["admin"], expected: 200),
        Case(path: "/api/v1/detection-rules/9/versions", roles: ["user"], expected: 403),
        Case(path: "/api/v1/detection-rules/9/versions", roles: ["power_user"], expected: 200),
    ]

    @Test(arguments: cases)
    func roleRequirement(_ c: Case) async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            var headers: [(String, String)] = []
            if let roles = c.roles {
                headers.append(SecurityTokens.bearer(SecurityTokens.valid("role-user", roles: roles)))
            }
            let response = try await gateway.fetch("GET", c.path, headers: headers)
            switch c.expected {
            case 200:
                #expect(response.status == 200, "\(response.bodyString)")
                let recorded = try await upstream.waitForRequests(1)
                #expect(recorded[0].headers(named: "X-User-Roles") == [c.roles!.joined(separator: ",")])
            case 401:
                GatewayExpect.error(response, status: 401, code: "unauthorized")
                #expect(upstream.requests.isEmpty)
            default:
                GatewayExpect.error(response, status: 403, code: "forbidden")
                #expect(response.header("WWW-Authenticate") == nil)
                GatewayExpect.standardCORS(response, "403")
                #expect(upstream.requests.isEmpty)
            }
        }
    }

    @Test func roleRoutesForwardToTheirInternalPaths() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let admin = SecurityTokens.bearer(SecurityTokens.valid("boss", roles: ["admin"]))
            #expect(try await gateway.fetch("GET", "/api/v1/admin/reindex", headers: [admin]).status == 200)
            #expect(try await gateway.fetch("GET", "/api/v1/detection-rules/3", headers: [admin]).status == 200)
            let recorded = try await upstream.waitForRequests(2)
            #expect(recorded.map(\.uri) == ["/admin/reindex", "/event-detection-rules/3"])
        }
    }
}
