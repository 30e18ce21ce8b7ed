/// Why a token was refused. The raw values are the `reason` label of the
/// auth-failure metric, so they are stable, lower-case and few.
public enum AuthFailure: String, Sendable, CaseIterable, Error {
    /// Not three base64url parts, or a header or payload that is not a JSON object.
    case malformed
    /// Header `alg` missing or anything but `HS256`.
    case algorithm
    /// The HMAC-SHA256 signature does not match.
    case signature
    /// `exp` missing or not after now minus the leeway.
    case expired
    /// `nbf` or `iat` after now plus the leeway.
    case notYetValid = "not_yet_valid"
    /// `iss` missing or different from JWT_ISSUER.
    case issuer
    /// A claim breaks its rule (`user_id`, `roles`, the type of `exp`, `nbf`,
    /// `iat`), the header has `crit`, or a key is repeated in any object.
    case claims
    /// The token is over 8 KiB.
    case tooLarge = "too_large"
    /// Two Authorization headers or two `aegis_token` cookies.
    case ambiguous
    /// No token at all on a protected route (counted by the pipeline; never the verifier's answer).
    case missing
}
