import Foundation
import GatewayCore
import Testing

/// No token, cookie or Authorization value ever reaches the access log (SPEC §13).
@Suite("Access log: secrets stay out")
struct AccessLogSecretsTests {
    private static let otherCookie = "secretcookie-value-42"

    private static func assertClean(_ gateway: TestGateway, _ secrets: [String]) async {
        let text = await gateway.flushedAccessLines().joined(separator: "\n")
        #expect(!text.isEmpty)
        for secret in secrets {
            #expect(!text.contains(secret), "access log contains \(secret.prefix(24))…")
        }
        // Nor any distinctive piece of a JWT (its signature part).
        for secret in secrets where secret.split(separator: ".").count == 3 {
            #expect(!text.contains(String(secret.split(separator: ".")[2])))
        }
    }

    @Test("a proxied request with a bearer token and cookies logs neither")
    func bearerAndCookie() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await TestGateway.start(upstream: upstream.url)
        let token = TestTokens.valid(userID: "cookie-user", secret: TestGateway.secret)
        let response = try await gateway.fetch(
            "GET", "/api/v1/conversations",
            headers: [
                ("Authorization", "Bearer " + token),
                ("Cookie", "aegis_token=\(token); other=\(Self.otherCookie)"),
                ("X-API-Key", "api-key-that-must-not-leak"),
            ])
        #expect(response.status == 200)
        await Self.assertClean(gateway, [token, Self.otherCookie, "api-key-that-must-not-leak"])
        await gateway.shutdown()
        try await upstream.shutdown()
    }

    @Test("a cookie-only token is not logged")
    func cookieOnly() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await TestGateway.start(upstream: upstream.url)
        let token = TestTokens.valid(userID: "cookie-user", secret: TestGateway.secret)
        let response = try await gateway.fetch(
            "GET", "/api/v1/conversations", headers: [("Cookie", "other=\(Self.otherCookie); aegis_token=\(token)")])
        #expect(response.status == 200)
        await Self.assertClean(gateway, [token, Self.otherCookie])
        await gateway.shutdown()
        try await upstream.shutdown()
    }

    @Test("refused tokens (bad signature, expired, ambiguous) are not logged either")
    func refusedTokens() async throws {
        let gateway = try await TestGateway.start(upstream: nil)
        let forged = TestTokens.valid(userID: "forger", secret: "not-the-secret")
        let expired = TestTokens.valid(userID: "late", secret: TestGateway.secret, ttl: -600)
        let garbage = "not-a-jwt-but-still-a-secret-value"
        for headers in [
            [("Authorization", "Bearer " + forged)],
            [("Authorization", "Bearer " + expired)],
            [("Authorization", "Bearer " + garbage)],
            [("Authorization", "Basic " + "dXNlcjpzdXBlci1zZWNyZXQ=")],
            [("Cookie", "aegis_token=\(forged); aegis_token=\(expired)")],
        ] {
            let response = try await gateway.fetch("GET", "/api/v1/conversations", headers: headers)
            #expect(response.status == 401)
        }
        await Self.assertClean(gateway, [forged, expired, garbage, "dXNlcjpzdXBlci1zZWNyZXQ="])
        await gateway.shutdown()
    }

    @Test("a token in the query string does not reach the log (the query is never logged)")
    func tokenInQuery() async throws {
        let gateway = try await TestGateway.start(upstream: nil)
        let token = TestTokens.valid(userID: "q", secret: TestGateway.secret)
        _ = try await gateway.fetch("GET", "/api/v1/conversations?access_token=\(token)")
        await Self.assertClean(gateway, [token])
        await gateway.shutdown()
    }

    @Test("text format keeps secrets out too")
    func textFormat() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await TestGateway.start(upstream: upstream.url) { $0.logFormat = .text }
        let token = TestTokens.valid(userID: "text-user", secret: TestGateway.secret)
        _ = try await gateway.fetch(
            "GET", "/api/v1/conversations",
            headers: [
                ("Authorization", "Bearer " + token), ("Cookie", "aegis_token=\(token); other=\(Self.otherCookie)"),
            ])
        await Self.assertClean(gateway, [token, Self.otherCookie])
        await gateway.shutdown()
        try await upstream.shutdown()
    }
}
