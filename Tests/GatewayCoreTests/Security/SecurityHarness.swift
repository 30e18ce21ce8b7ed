import Foundation
import GatewayCore
import Testing

/// Fixtures of the end-to-end security tests (which run on `TestGateway.withUpstream`).
enum SecurityHarness {
    /// An upstream answer that also tries to set its own CORS policy, which the
    /// gateway must strip (SPEC §4).
    static let hostileCORSUpstream: TestUpstream.Handler = { _ in
        .json(
            #"{"ok":true}"#,
            headers: [
                ("Access-Control-Allow-Origin", "https://evil.example"),
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Expose-Headers", "X-Upstream-Secret"),
                ("access-control-max-age", "1"),
                ("Vary", "Accept-Encoding"),
            ])
    }

    /// A protected route that forwards to the upstream.
    static let protectedPath = "/api/v1/conversations"
    /// A public route that forwards to the upstream.
    static let publicPath = "/api/v1/entity-types"
}

/// Tokens for the gateway under test, built by hand with `TestTokens.make`.
enum SecurityTokens {
    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    /// Claims JSON. Each argument is a JSON fragment written as is; nil leaves the claim out.
    /// The defaults describe a valid token for `u1` with role `user`.
    static func claims(
        userID: String? = #""u1""#,
        roles: String? = #"["user"]"#,
        iss: String? = #""aegis-gateway""#,
        exp: String? = String(now + 3600),
        iat: String? = String(now - 5),
        nbf: String? = nil,
        extra: [String] = []
    ) -> String {
        TestTokens.claimsJSON(userID: userID, roles: roles, iss: iss, exp: exp, iat: iat, nbf: nbf, extra: extra)
    }

    static func token(
        _ claims: String = claims(), header: String = TestTokens.hs256Header, secret: String = TestGateway.secret
    ) -> String {
        TestTokens.make(claims: claims, secret: secret, header: header)
    }

    /// A valid token for `user` with `roles` (a JSON array, or nil for no roles claim).
    static func valid(_ user: String = "u1", roles: [String]? = ["user"]) -> String {
        let rolesJSON = roles.map { "[" + $0.map(TestTokens.quoted).joined(separator: ",") + "]" }
        return token(claims(userID: TestTokens.quoted(user), roles: rolesJSON))
    }

    static func bearer(_ token: String) -> (String, String) { ("Authorization", "Bearer " + token) }
}
