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
    private var entries: [TokenBytes: Claims] = [:]
    public let capacity: Int
    /// The last token served: keep-alive clients repeat theirs, and comparing bytes is cheaper
    /// than hashing them. Its token is the dictionary's own key, so remembering it allocates nothing.
    private var last: (token: TokenBytes, claims: Claims)?

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { entries.count }

    /// The claims verified for exactly `token`, unless they have expired by `now`.
    public func claims(for token: Substring, now: Double) -> Claims? {
        let token = TokenBytes(token)
        if let last, last.token == token {
            if now < last.claims.expiresAt { return last.claims }
            self.last = nil
        }
        guard let index = entries.index(forKey: token) else { return nil }
        let (key, claims) = entries[index]
        guard now < claims.expiresAt else {
            entries.remove(at: index)
            return nil
        }
        last = (key, claims)
        return claims
    }

    public func insert(_ token: Substring, _ claims: Claims) {
        if entries.count >= capacity, entries[TokenBytes(token)] == nil {
            let victims = Array(entries.keys.prefix(max(1, entries.count / 2)))
            for victim in victims { entries[victim] = nil }
        }
        // A fresh string of just the token, so the entry does not keep the
        // whole request header alive.
        let key = TokenBytes(Substring(String(token)))
        entries[key] = claims
        last = (key, claims)
    }
}

/// A token as the bytes it was sent in. `Substring`'s own equality is Unicode canonical
/// equivalence (`K` equals U+212A KELVIN SIGN), which would let other bytes hit a verified entry.
struct TokenBytes: Hashable {
    let text: Substring

    init(_ text: Substring) { self.text = text }

    static func == (a: TokenBytes, b: TokenBytes) -> Bool {
        guard a.text.utf8.count == b.text.utf8.count else { return false }
        return a.text.utf8.withContiguousStorageIfAvailable { x in
            b.text.utf8.withContiguousStorageIfAvailable { y in
                x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0
            }
        }.flatMap { $0 } ?? a.text.utf8.elementsEqual(b.text.utf8)
    }

    func hash(into hasher: inout Hasher) {
        let hashed: Void? = text.utf8.withContiguousStorageIfAvailable {
            hasher.combine(bytes: UnsafeRawBufferPointer($0))
        }
        if hashed == nil {
            for byte in text.utf8 { hasher.combine(byte) }
        }
    }
}
