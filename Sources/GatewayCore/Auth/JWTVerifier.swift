import Crypto
import Foundation  // DataProtocol conformance of UnsafeRawBufferPointer, used by swift-crypto

/// Verifies HS256 JSON Web Tokens under the rules of SPEC §6.
///
/// Pure and synchronous: the caller passes the current time, so tests pin
/// it and the event loop never blocks. Checks run cheapest first, and the
/// payload is only parsed once the signature has matched, so an unsigned
/// token costs one HMAC at most.
public struct JWTVerifier: Sendable {
    /// Tokens longer than this many bytes are refused unread (SPEC §6: 8 KiB).
    public static let maxTokenBytes = 8192

    /// The secret's bytes. Kept as an array rather than a `SymmetricKey`
    /// because swift-crypto's key type is not `Sendable`.
    private let secret: [UInt8]
    let rules: JWTClaimRules

    /// - Parameters:
    ///   - secret: JWT_SECRET; its UTF-8 bytes are the HMAC key.
    ///   - issuer: The required `iss`; `nil` or empty disables the check
    ///     (SPEC §2: an empty JWT_ISSUER disables it).
    ///   - leewaySeconds: Clock skew allowed on `exp`, `nbf` and `iat`.
    public init(secret: String, issuer: String?, leewaySeconds: Double) {
        self.secret = Array(secret.utf8)
        let issuer = issuer.flatMap { $0.isEmpty ? nil : $0 }
        self.rules = JWTClaimRules(issuer: issuer, leewaySeconds: max(0, leewaySeconds))
    }

    /// The claims of `token` when it is valid at `now` (seconds since the
    /// epoch), else the first rule it breaks.
    public func verify(_ token: Substring, now: Double) -> Result<Claims, AuthFailure> {
        let utf8 = token.utf8
        guard utf8.count <= Self.maxTokenBytes else { return .failure(.tooLarge) }

        // Exactly three parts.
        let dot = UInt8(ascii: ".")
        guard let firstDot = utf8.firstIndex(of: dot) else { return .failure(.malformed) }
        let afterFirst = utf8.index(after: firstDot)
        guard let secondDot = utf8[afterFirst...].firstIndex(of: dot) else { return .failure(.malformed) }
        let signaturePart = utf8[utf8.index(after: secondDot)...]
        guard signaturePart.firstIndex(of: dot) == nil else { return .failure(.malformed) }

        guard let headerBytes = Base64URL.decode(utf8[..<firstDot]),
            let payloadBytes = Base64URL.decode(utf8[afterFirst..<secondDot]),
            let signature = Base64URL.decode(signaturePart)
        else { return .failure(.malformed) }

        // Header: checked before the signature so `alg: none` is reported as such.
        let header: [JSONMember]
        switch Self.parseObject(headerBytes) {
        case .success(let members): header = members
        case .failure(let failure): return .failure(failure)
        }
        if let failure = rules.checkHeader(header) { return .failure(failure) }

        // Signature over the ASCII of "header.payload".
        let signingInput = utf8[..<secondDot]
        guard signatureMatches(signature, signingInput) else { return .failure(.signature) }

        switch Self.parseObject(payloadBytes) {
        case .success(let payload): return rules.claims(from: payload, now: now)
        case .failure(let failure): return .failure(failure)
        }
    }

    /// Constant-time HMAC-SHA256 comparison (swift-crypto's `safeCompare`).
    private func signatureMatches(_ signature: [UInt8], _ input: Substring.UTF8View) -> Bool {
        let key = SymmetricKey(data: secret)
        let check = { (bytes: UnsafeBufferPointer<UInt8>) in
            HMAC<SHA256>.isValidAuthenticationCode(
                signature, authenticating: UnsafeRawBufferPointer(bytes), using: key)
        }
        return input.withContiguousStorageIfAvailable(check)
            ?? Array(input).withUnsafeBufferPointer(check)
    }

    /// A JSON object's members; a repeated key is a claims failure, any
    /// other problem (including a non-object) is malformed.
    private static func parseObject(_ bytes: [UInt8]) -> Result<[JSONMember], AuthFailure> {
        switch StrictJSON.parse(bytes) {
        case .success(.object(let members)): .success(members)
        case .success: .failure(.malformed)
        case .failure(.duplicateKey): .failure(.claims)
        case .failure: .failure(.malformed)
        }
    }
}
