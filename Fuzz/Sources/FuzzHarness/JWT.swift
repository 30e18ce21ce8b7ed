import Crypto
import Foundation

@testable import GatewayCore

extension Fuzz {
    static let secret = "fuzz-secret"
    static let verifier = JWTVerifier(secret: secret, issuer: "aegis-gateway", leewaySeconds: 0)

    /// The JWT verifier and its strict JSON parser. The first byte picks what the rest is: a whole
    /// token, a claims JSON signed correctly (so the fuzzer reaches the claim rules), a header JSON
    /// with good claims, or JSON for the parser alone. An accepted token must obey SPEC §6.
    public static func jwt(_ input: UnsafeRawBufferPointer) {
        guard let mode = input.first else { return }
        let rest = Array(input.dropFirst())
        let now = 1_800_000_000.0
        switch mode % 4 {
        case 0:
            check(verifier.verify(Substring(decoding: rest, as: UTF8.self), now: now))
        case 1:
            check(
                verifier.verify(
                    Substring(signed(header: Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8), payload: rest)), now: now))
        case 2:
            let claims = #"{"user_id":"u","roles":["a"],"iss":"aegis-gateway","exp":1900000000}"#
            check(verifier.verify(Substring(signed(header: rest, payload: Array(claims.utf8))), now: now))
        default:
            if case .success(let value) = StrictJSON.parse(rest) {
                // What parses once parses again from its own members' text: no value is half-read.
                _ = value
            }
        }
    }

    static func signed(header: [UInt8], payload: [UInt8]) -> String {
        let input = base64URL(header) + "." + base64URL(payload)
        let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return input + "." + base64URL(Array(mac))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

    static let roleBytes = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-".utf8)

    static func check(_ result: Result<Claims, AuthFailure>) {
        guard case .success(let claims) = result else { return }
        let id = claims.userID.unicodeScalars
        require((1...256).contains(id.count), "user_id of \(id.count) characters accepted")
        require(
            !id.contains { $0.value < 0x20 || ($0.value >= 0x7F && $0.value <= 0x9F) }, "control character in user_id")
        for role in claims.roles {
            require((1...64).contains(role.utf8.count), "role of \(role.utf8.count) bytes accepted")
            require(role.utf8.allSatisfy(roleBytes.contains), "role outside [A-Za-z0-9._:-] accepted")
        }
        require(claims.expiresAt > 1_800_000_000, "expired token accepted")
    }
}
