import Foundation

/// The verifier unit tests' secret, clock and claim defaults; tokens are built by `TestTokens`.
enum JWTFixture {
    static let secret = "unit-test-secret-\u{1F511}"
    static let issuer = "aegis-gateway"
    static let now: Double = 1_700_000_000
    static let standardHeader = #"{"alg":"HS256","typ":"JWT"}"#

    static func base64url(_ bytes: some Sequence<UInt8>) -> String { TestTokens.base64URL(Array(bytes)) }

    static func base64url(_ text: String) -> String { base64url(Array(text.utf8)) }

    static func hs256(_ input: String, secret: String = secret) -> String {
        TestTokens.signature(input, secret: secret)
    }

    /// A token from literal header and payload JSON, signed HS256 with `secret`.
    static func token(header: String = standardHeader, payload: String, secret: String = secret) -> String {
        TestTokens.make(claims: payload, secret: secret, header: header)
    }

    /// A claim set as JSON text. Each argument is a JSON fragment, written
    /// as is; `nil` leaves the claim out. The defaults make a valid token at `now`.
    static func claims(
        userID: String? = #""user-42""#,
        roles: String? = #"["admin","power_user"]"#,
        iss: String? = #""aegis-gateway""#,
        exp: String? = "1700003600",
        iat: String? = "1699999000",
        nbf: String? = nil,
        extra: [String] = []
    ) -> String {
        TestTokens.claimsJSON(userID: userID, roles: roles, iss: iss, exp: exp, iat: iat, nbf: nbf, extra: extra)
    }
}
