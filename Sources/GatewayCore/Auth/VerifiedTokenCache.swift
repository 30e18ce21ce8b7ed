#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    /// The last token served: keep-alive clients repeat theirs, and comparing bytes is cheaper
    /// than hashing them.
    private var last: (token: [UInt8], claims: Claims)?

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { entries.count }

    /// The claims verified for exactly `token`, unless they have expired by `now`.
    public func claims(for token: Substring, now: Double) -> Claims? {
        if let last, Self.sameBytes(token, last.token) {
            if now < last.claims.expiresAt { return last.claims }
            self.last = nil
        }
        guard let claims = entries[token] else { return nil }
        guard now < claims.expiresAt else {
            entries[token] = nil
            return nil
        }
        last = (Array(token.utf8), claims)
        return claims
    }

    private static func sameBytes(_ token: Substring, _ bytes: [UInt8]) -> Bool {
        guard token.utf8.count == bytes.count, !bytes.isEmpty else { return false }
        return token.utf8.withContiguousStorageIfAvailable { a in
            bytes.withUnsafeBufferPointer { b in memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
        } ?? token.utf8.elementsEqual(bytes)
    }

    public func insert(_ token: Substring, _ claims: Claims) {
        if entries.count >= capacity, entries[token] == nil {
            let victims = Array(entries.keys.prefix(max(1, entries.count / 2)))
            for victim in victims { entries[victim] = nil }
        }
        // A fresh string of just the token, so the entry does not keep the
        // whole request header alive.
        entries[Substring(String(token))] = claims
        last = (Array(token.utf8), claims)
    }
}
