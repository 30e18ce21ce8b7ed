import Crypto
import Foundation

/// Builds tokens by hand, independently of `JWTMinter`: JSON text written
/// out literally, Foundation's base64 turned into base64url, and
/// swift-crypto's HMAC.
enum JWTFixture {
    static let secret = "unit-test-secret-\u{1F511}"
    static let issuer = "aegis-gateway"
    static let now: Double = 1_700_000_000
    static let standardHeader = #"{"alg":"HS256","typ":"JWT"}"#

    static func base64url(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64url(_ text: String) -> String { base64url(Array(text.utf8)) }

    static func hs256(_ input: String, secret: String = secret) -> String {
        base64url(Array(HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))))
    }

    /// A token from literal header and payload JSON, signed HS256 with `secret`.
    static func token(header: String = standardHeader, payload: String, secret: String = secret) -> String {
        let input = base64url(header) + "." + base64url(payload)
        return input + "." + hs256(input, secret: secret)
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
