import Crypto
import Foundation

/// Hand-assembled JWTs, independent of the gateway's own minter, so a bug there cannot
/// hide a bug in the verifier (and so tests can build tokens no minter would produce).
enum TestTokens {
    /// A claims object from JSON fragments written as they are; nil leaves a claim out.
    static func claimsJSON(
        userID: String?, roles: String?, iss: String?, exp: String?, iat: String?, nbf: String?, extra: [String]
    ) -> String {
        var fields: [String] = []
        if let userID { fields.append(#""user_id":"# + userID) }
        if let roles { fields.append(#""roles":"# + roles) }
        if let iss { fields.append(#""iss":"# + iss) }
        if let exp { fields.append(#""exp":"# + exp) }
        if let iat { fields.append(#""iat":"# + iat) }
        if let nbf { fields.append(#""nbf":"# + nbf) }
        fields += extra
        return "{" + fields.joined(separator: ",") + "}"
    }

    static let hs256Header = #"{"alg":"HS256","typ":"JWT"}"#

    /// `base64url(header).base64url(claims).base64url(HMAC-SHA256(secret))`, with the
    /// header and claims JSON used byte for byte as given.
    static func make(claims: String, secret: String, header: String = hs256Header) -> String {
        let signingInput = base64URL(Array(header.utf8)) + "." + base64URL(Array(claims.utf8))
        return signingInput + "." + signature(signingInput, secret: secret)
    }

    /// base64url(HMAC-SHA256(secret, input)).
    static func signature(_ input: String, secret: String) -> String {
        base64URL(
            Array(
                HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: Array(secret.utf8)))))
    }

    /// A token the gateway should accept: `exp` = now + `ttl`, `iat` = now.
    static func valid(
        userID: String,
        roles: [String]? = [],
        secret: String,
        issuer: String? = "aegis-gateway",
        ttl: Int64 = 3600,
        now: Int64 = Int64(Date().timeIntervalSince1970)
    ) -> String {
        var members = [#""user_id":\#(quoted(userID))"#]
        if let roles { members.append(#""roles":[\#(roles.map(quoted).joined(separator: ","))]"#) }
        if let issuer { members.append(#""iss":\#(quoted(issuer))"#) }
        members.append(#""iat":\#(now)"#)
        members.append(#""exp":\#(now + ttl)"#)
        return make(claims: "{" + members.joined(separator: ",") + "}", secret: secret)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64URLDecode(_ text: some StringProtocol) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map(Array.init)
    }

    /// The claims of `token` as a JSON object (no verification).
    static func claims(of token: String) -> [String: Any]? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = base64URLDecode(parts[1]) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any]
    }

    /// True when `token`'s signature is HMAC-SHA256 of its first two parts under `secret`.
    static func hasValidSignature(_ token: String, secret: String) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let signature = base64URLDecode(parts[2]) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            signature,
            authenticating: Array("\(parts[0]).\(parts[1])".utf8),
            using: SymmetricKey(data: Array(secret.utf8))
        )
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
    }
}
