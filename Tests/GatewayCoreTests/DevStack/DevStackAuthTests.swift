import DevStack
import Foundation
import GatewayCore
import Testing

@Suite("DevStack auth stand-in")
struct DevStackAuthTests {
    private static let login = #"{"email":"admin@aegis.local","password":"aegis-dev-admin"}"#

    @Test("the dev credentials get a 24-hour token in the body and a cookie")
    func loginSucceeds() async throws {
        try await withDevStack(issuer: "aegis-gateway") { stack in
            let before = Int64(Date().timeIntervalSince1970)
            let response = try await RawHTTPClient.fetch(
                port: stack.port(of: .auth),
                "POST",
                "/auth/token",
                headers: [("Content-Type", "application/json")],
                body: Array(Self.login.utf8)
            )
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json")
            let json = try response.jsonObject()
            #expect(json["token_type"] as? String == "Bearer")
            #expect(json["expires_in"] as? Int == 86_400)
            let token = try #require(json["access_token"] as? String)
            #expect(
                response.header("Set-Cookie") == "aegis_token=\(token); HttpOnly; SameSite=Lax; Path=/; Max-Age=86400"
            )
            #expect(TestTokens.hasValidSignature(token, secret: devStackTestSecret))
            #expect(!TestTokens.hasValidSignature(token, secret: devStackTestSecret + "x"))
            let claims = try #require(TestTokens.claims(of: token))
            #expect(claims["user_id"] as? String == DevCredentials.userID)
            #expect(claims["roles"] as? [String] == ["admin", "operator", "reviewer"])
            #expect(claims["iss"] as? String == "aegis-gateway")
            let exp = try #require((claims["exp"] as? NSNumber)?.int64Value)
            #expect((before + 86_400 - 5...before + 86_400 + 60).contains(exp))
        }
    }

    @Test(
        "anything else is 401",
        arguments: [
            #"{"email":"admin@aegis.local","password":"wrong"}"#,
            #"{"email":"someone@aegis.local","password":"aegis-dev-admin"}"#,
            #"{"email":"admin@aegis.local"}"#,
            "not json",
            "",
        ]
    )
    func loginFails(body: String) async throws {
        try await withDevStack { stack in
            let response = try await RawHTTPClient.fetch(
                port: stack.port(of: .auth),
                "POST",
                "/auth/token",
                body: Array(body.utf8)
            )
            #expect(response.status == 401)
            #expect(response.header("Set-Cookie") == nil)
            let json = try response.jsonObject()
            #expect(json["error"] as? String == "unauthorized")
            #expect(json["message"] as? String == "invalid credentials")
        }
    }

    @Test("a login body over 64 KiB is refused without being kept")
    func oversizedLogin() async throws {
        try await withDevStack { stack in
            let padding = String(repeating: " ", count: 70 * 1024)
            let response = try await RawHTTPClient.fetch(
                port: stack.port(of: .auth),
                "POST",
                "/auth/token",
                body: Array((padding + Self.login).utf8)
            )
            #expect(response.status == 413)
        }
    }

    @Test("other auth paths and methods get the echo")
    func otherPathsEcho() async throws {
        try await withDevStack { stack in
            let port = stack.port(of: .auth)
            let get = try await RawHTTPClient.fetch(port: port, "GET", "/auth/token")
            #expect(try get.jsonObject()["service"] as? String == "auth")
            let refresh = try await RawHTTPClient.fetch(
                port: port, "POST", "/auth/refresh", body: Array(Self.login.utf8))
            #expect(try refresh.jsonObject()["path"] as? String == "/auth/refresh")
        }
    }
}
