/// Picks the client address of a request (SPEC §5): the socket peer, or,
/// when the peer is a trusted proxy, the right-most untrusted hop of
/// X-Forwarded-For.
///
/// The rate limiter keys on its result; the X-Forwarded-For writer and the
/// access log may use it too.
public struct ClientAddressResolver: Sendable {
    public let trusted: TrustedProxies

    public init(trusted: TrustedProxies) {
        self.trusted = trusted
    }

    /// The client address, with an IPv4-mapped result given as IPv4.
    ///
    /// - Parameters:
    ///   - peer: The socket peer.
    ///   - forwardedFor: Every X-Forwarded-For line, in the order received.
    ///
    /// The lines are read as one comma-separated list. Walking from the
    /// right, trusted entries are skipped and the first untrusted one is the
    /// client. At an entry that does not parse the walk stops and the hop to
    /// its right is taken (the peer when it is the right-most). When every
    /// entry is trusted the left-most is taken.
    ///
    /// Choices the SPEC leaves open: empty list elements (`a,,b`, a trailing
    /// comma, an empty line) are skipped as RFC 9110 §5.6.1 asks; an entry
    /// may carry a port (`1.2.3.4:5678`, `[2001:db8::1]:443`), which is
    /// stripped, since some load balancers append it. Anything else that is
    /// not an address (`unknown`, obfuscated identifiers) is unparseable.
    public func resolve(peer: IPAddress, forwardedFor: [Substring]) -> IPAddress {
        guard trusted.contains(peer) else { return peer.unmappedIPv4 }
        return resolve(trustedPeer: peer, forwardedFor: forwardedFor)
    }

    /// The same walk for a peer already known to be trusted (`Peer.isTrusted`).
    func resolve(trustedPeer peer: IPAddress, forwardedFor: [Substring]) -> IPAddress {
        guard !forwardedFor.isEmpty else { return peer.unmappedIPv4 }
        var rightHop = peer
        for line in forwardedFor.reversed() {
            var rest = line.utf8[...]
            while !rest.isEmpty {
                let entry: Substring.UTF8View.SubSequence
                if let comma = rest.lastIndex(of: UInt8(ascii: ",")) {
                    entry = rest[rest.index(after: comma)...]
                    rest = rest[..<comma]
                } else {
                    entry = rest
                    rest = rest[rest.endIndex...]
                }
                let trimmed = Self.trimmed(entry)
                if trimmed.isEmpty { continue }
                guard let address = Self.parseEntry(trimmed) else { return rightHop.unmappedIPv4 }
                if !trusted.contains(address) { return address.unmappedIPv4 }
                rightHop = address
            }
        }
        return rightHop.unmappedIPv4
    }

    /// Strips spaces and tabs around a list element.
    static func trimmed(_ bytes: Substring.UTF8View.SubSequence) -> Substring.UTF8View.SubSequence {
        var slice = bytes
        while let first = slice.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            slice = slice.dropFirst()
        }
        while let last = slice.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            slice = slice.dropLast()
        }
        return slice
    }

    /// An address, optionally with a port: `a.b.c.d`, `a.b.c.d:port`,
    /// an IPv6 address, `[v6]` or `[v6]:port`.
    static func parseEntry(_ bytes: Substring.UTF8View.SubSequence) -> IPAddress? {
        guard let first = bytes.first else { return nil }
        var address = bytes
        if first == UInt8(ascii: "[") {
            if let close = bytes.firstIndex(of: UInt8(ascii: "]")) {
                let afterClose = bytes.index(after: close)
                if afterClose != bytes.endIndex {
                    guard bytes[afterClose] == UInt8(ascii: ":"),
                        isPort(bytes[bytes.index(after: afterClose)...])
                    else { return nil }
                    address = bytes[...close]
                }
            }
        } else if let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
            bytes[bytes.index(after: colon)...].firstIndex(of: UInt8(ascii: ":")) == nil
        {
            // Exactly one colon: IPv4 with a port (IPv6 has at least two).
            guard isPort(bytes[bytes.index(after: colon)...]) else { return nil }
            guard case .v4(let value)? = IPAddress(parsing: Substring(bytes[..<colon])) else { return nil }
            return .v4(value)
        }
        return IPAddress(parsing: Substring(address))
    }

    static func isPort(_ bytes: Substring.UTF8View.SubSequence) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 5 else { return false }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return false }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value <= 65535
    }
}
