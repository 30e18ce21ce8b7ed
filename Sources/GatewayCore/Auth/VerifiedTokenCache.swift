/// Tokens already verified on this event loop, so a client's repeated
/// requests cost one dictionary lookup instead of an HMAC and two JSON parses.
///
/// Not `Sendable` and without a lock: each event loop owns one and touches
/// it only from that loop.
///
/// Keyed by the whole token, so only the very bytes that were verified can
/// hit; no hash collision can hand one user's claims to another token.
/// Bounded: when full, an insert first drops half of the entries, in the
/// dictionary's order (effectively random, and seeded per process, so a
/// client cannot aim evictions); entries that have expired are also dropped
/// when looked up.
public final class VerifiedTokenCache {
    private var entries: [Substring: Claims] = [:]
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { entries.count }

    /// The claims verified for exactly `token`, unless they have expired by `now`.
    public func claims(for token: Substring, now: Double) -> Claims? {
        guard let claims = entries[token] else { return nil }
        guard now < claims.expiresAt else {
            entries[token] = nil
            return nil
        }
        return claims
    }

    public func insert(_ token: Substring, _ claims: Claims) {
        if entries.count >= capacity, entries[token] == nil {
            let victims = Array(entries.keys.prefix(max(1, entries.count / 2)))
            for victim in victims { entries[victim] = nil }
        }
        // A fresh string of just the token, so the entry does not keep the
        // whole request header alive.
        entries[Substring(String(token))] = claims
    }
}
