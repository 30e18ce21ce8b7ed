/// The identity a valid token carries (SPEC §6), reduced to what the
/// gateway forwards and caches.
///
/// A class: the token cache hands the same claims to every request carrying the token, and a
/// request's plan and audit read them; a reference is one count, the strings would be several.
public final class Claims: Sendable, Equatable {
    /// The `user_id` claim: 1–256 characters, no control characters.
    public let userID: String
    /// The `roles` claim, in token order; empty when absent. Each role is
    /// 1–64 characters of `[A-Za-z0-9._:-]`, so it is safe in a header.
    public let roles: [String]
    /// The instant (seconds since the epoch) from which the gateway no
    /// longer accepts the token: `exp` plus the configured leeway. A cache
    /// compares against this so a cached token expires exactly when a fresh
    /// verification would refuse it.
    public let expiresAt: Double

    public init(userID: String, roles: [String], expiresAt: Double) {
        self.userID = userID
        self.roles = roles
        self.expiresAt = expiresAt
    }

    public static func == (a: Claims, b: Claims) -> Bool {
        a.userID == b.userID && a.roles == b.roles && a.expiresAt == b.expiresAt
    }

    /// The `X-User-Roles` value: roles joined by `,` (empty without roles).
    public var rolesHeaderValue: String { roles.joined(separator: ",") }

    /// Whether the token grants `role` (case-sensitive, SPEC §6).
    public func hasRole(_ role: String) -> Bool { roles.contains(role) }
}
