/// Case-insensitive header-name tests on bytes, without lowercased copies.
enum HeaderNames {
    /// Hop-by-hop headers of SPEC §10, never forwarded either way.
    static let hopByHop: [String] = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authorization", "proxy-authenticate",
    ]

    @inline(__always)
    static func equals(_ name: String, _ lowercased: String) -> Bool {
        let a = name.utf8
        let b = lowercased.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y && (x | 0x20) != y {
            return false
        }
        return true
    }

    @inline(__always)
    static func hasPrefix(_ name: String, _ lowercasedPrefix: String) -> Bool {
        let a = name.utf8
        let b = lowercasedPrefix.utf8
        guard a.count >= b.count else { return false }
        for (x, y) in zip(a, b) where x != y && (x | 0x20) != y {
            return false
        }
        return true
    }

    static func isHopByHop(_ name: String) -> Bool {
        // Dispatch on length first: most fields are none of these and cost one switch.
        switch name.utf8.count {
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

    /// `x-user-*` with `_` or `.` read as `-`, any case (SPEC §7).
    static func isUserIdentity(_ name: String) -> Bool {
        let a = name.utf8
        guard a.count >= 7 else { return false }
        var i = a.startIndex
        for expected in "x-user-".utf8 {
            var b = a[i] | 0x20
            if expected == UInt8(ascii: "-") && (a[i] == UInt8(ascii: "_") || a[i] == UInt8(ascii: ".")) {
                b = UInt8(ascii: "-")
            }
            if a[i] == UInt8(ascii: "-") { b = a[i] }
            guard b == expected else { return false }
            i = a.index(after: i)
        }
        return true
    }

    /// Names a client's `Connection` header may not remove (SPEC §10).
    static func isProtectedFromConnection(_ name: Substring) -> Bool {
        let n = String(name)
        return equals(n, "content-length") || equals(n, "transfer-encoding") || equals(n, "host")
            || equals(n, "authorization") || equals(n, "cookie") || equals(n, "x-request-id")
            || isUserIdentity(n) || hasPrefix(n, "x-forwarded-")
    }
}
