import Crypto
import Foundation  // DataProtocol conformance of Array, used by swift-crypto

/// Signs HS256 tokens for `aegis-gateway token` and the dev stack.
///
/// It signs what it is given: the caller validates `userID` and `roles`
/// (a token with a bad role is minted, then refused by `JWTVerifier`).
public struct JWTMinter: Sendable {
    /// Kept as bytes because swift-crypto's `SymmetricKey` is not `Sendable`.
    private let secret: [UInt8]
    private let issuer: String?

    /// The base64url of `{"alg":"HS256","typ":"JWT"}`.
    static let encodedHeader = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))

    /// - Parameters:
    ///   - secret: JWT_SECRET; its UTF-8 bytes are the HMAC key.
    ///   - issuer: Written as `iss` when non-nil and non-empty.
    public init(secret: String, issuer: String?) {
        self.secret = Array(secret.utf8)
        self.issuer = issuer.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A signed token with `user_id`, `roles`, `iss`, `iat` and `nbf` (both
    /// `now`) and `exp` (`now + ttlSeconds`), times in seconds since the epoch.
    public func mint(userID: String, roles: [String], ttlSeconds: Int64, now: Int64) -> String {
        var json = #"{"user_id":"# + Self.quoted(userID) + #","roles":["#
        json += roles.map(Self.quoted).joined(separator: ",")
        json += "]"
        if let issuer { json += #","iss":"# + Self.quoted(issuer) }
        let (expiry, overflow) = now.addingReportingOverflow(ttlSeconds)
        json += #","iat":\#(now),"nbf":\#(now),"exp":\#(overflow ? Int64.max : expiry)}"#

        let signingInput = Self.encodedHeader + "." + Base64URL.encode(Array(json.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: secret))
        return signingInput + "." + Base64URL.encode(Array(mac))
    }

    /// `text` as a JSON string literal (the shared escaping: controls, DEL and C1 `\u`-escaped).
    static func quoted(_ text: String) -> String {
        var out = ""
        JSONEscaping.appendQuoted(text, to: &out)
        return out
    }
}
