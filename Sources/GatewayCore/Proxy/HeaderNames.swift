/// Case-insensitive header-name tests on bytes, without lowercased copies.
enum HeaderNames {
    /// Hop-by-hop headers of SPEC §10, never forwarded either way (see `isHopByHop`):
    /// connection, keep-alive, proxy-connection, te, trailer, transfer-encoding, upgrade,
    /// proxy-authorization, proxy-authenticate.
    /// `name` equals the lower-case ASCII literal, ignoring case. Field names and the values
    /// compared here are tokens (the parser refused anything else), so folding with `| 0x20`
    /// cannot make a non-letter match.
    @inline(__always)
    static func equals(_ name: String, _ lowercased: StaticString) -> Bool {
        let n = lowercased.utf8CodeUnitCount
        guard name.utf8.count == n else { return false }
        return foldedPrefixMatches(name, lowercased.utf8Start, n)
    }

    @inline(__always)
    static func hasPrefix(_ name: String, _ lowercasedPrefix: StaticString) -> Bool {
        let n = lowercasedPrefix.utf8CodeUnitCount
        guard name.utf8.count >= n else { return false }
        return foldedPrefixMatches(name, lowercasedPrefix.utf8Start, n)
    }

    /// The same comparison against a lower-cased `String` (names listed by a Connection header).
    static func equals(_ name: String, _ lowercased: String) -> Bool {
        guard name.utf8.count == lowercased.utf8.count else { return false }
        var other = lowercased
        return other.withUTF8 { foldedPrefixMatches(name, $0.baseAddress!, $0.count) }
    }

    @inline(__always)
    private static func foldedPrefixMatches(_ name: String, _ lower: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if n == 0 { return true }
        if let result = name.utf8.withContiguousStorageIfAvailable({ a -> Bool in
            for i in 0..<n {
                let x = a[i]
                if x != lower[i] && (x | 0x20) != lower[i] { return false }
            }
            return true
        }) {
            return result
        }
        var i = 0
        for x in name.utf8 {
            if i == n { break }
            if x != lower[i] && (x | 0x20) != lower[i] { return false }
            i += 1
        }
        return i == n
    }

    /// The same tests on raw bytes (upstream response fields, which are never made `String`s).
    @inline(__always)
    static func equals(_ name: UnsafeRawBufferPointer, _ lowercased: StaticString) -> Bool {
        name.count == lowercased.utf8CodeUnitCount && hasPrefix(name, lowercased)
    }

    @inline(__always)
    static func hasPrefix(_ name: UnsafeRawBufferPointer, _ lowercasedPrefix: StaticString) -> Bool {
        let n = lowercasedPrefix.utf8CodeUnitCount
        guard name.count >= n else { return false }
        let lower = lowercasedPrefix.utf8Start
        for i in 0..<n where name[i] != lower[i] && (name[i] | 0x20) != lower[i] { return false }
        return true
    }

    /// `name` equals `lowercased` with A–Z read as a–z and every other byte exact (names a
    /// Connection header lists can hold any token byte, so `| 0x20` would fold `^` into `~`).
    static func equalsIgnoringASCIICase(_ name: UnsafeRawBufferPointer, _ lowercased: [UInt8]) -> Bool {
        guard name.count == lowercased.count else { return false }
        for i in 0..<name.count where asciiLowercased(name[i]) != lowercased[i] { return false }
        return true
    }

    @inline(__always)
    static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    /// The connection-specific fields RFC 9113 §8.2.2 forbids in HTTP/2 (TE has its own rule).
    static func isConnectionSpecific(_ name: UnsafeRawBufferPointer) -> Bool {
        switch name.count {
        case 7: equals(name, "upgrade")
        case 10: equals(name, "connection") || equals(name, "keep-alive")
        case 16: equals(name, "proxy-connection")
        case 17: equals(name, "transfer-encoding")
        default: false
        }
    }

    static func isHopByHop(_ name: UnsafeRawBufferPointer) -> Bool {
        // Dispatch on length first: most fields are none of these and cost one switch.
        switch name.count {
        case 2: equals(name, "te")
        case 7: equals(name, "trailer") || equals(name, "upgrade")
        case 10: equals(name, "connection") || equals(name, "keep-alive")
        case 16: equals(name, "proxy-connection")
        case 17: equals(name, "transfer-encoding")
        case 18: equals(name, "proxy-authenticate")
        case 19: equals(name, "proxy-authorization")
        default: false
        }
    }

    static func isHopByHop(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { isHopByHop(UnsafeRawBufferPointer($0)) }
    }

    /// `x-user-*` with `_` or `.` read as `-`, any case (SPEC §7).
    static func isUserIdentity(_ name: UnsafeRawBufferPointer) -> Bool {
        guard name.count >= 7 else { return false }
        var i = 0
        for expected in "x-user-".utf8 {
            let byte = name[i]
            let folded = byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") ? UInt8(ascii: "-") : byte | 0x20
            guard folded == expected else { return false }
            i += 1
        }
        return true
    }

    static func isUserIdentity(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { isUserIdentity(UnsafeRawBufferPointer($0)) }
    }

    /// Names a client's `Connection` header may not remove (SPEC §10).
    static func isProtectedFromConnection(_ name: Substring) -> Bool {
        let n = String(name)
        return equals(n, "content-length") || equals(n, "transfer-encoding") || equals(n, "host")
            || equals(n, "authorization") || equals(n, "cookie") || equals(n, "x-request-id")
            || isUserIdentity(n) || hasPrefix(n, "x-forwarded-")
    }
}
