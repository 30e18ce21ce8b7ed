/// A network prefix such as `10.0.0.0/8` or `fd00::/8`, as used by
/// TRUSTED_PROXIES.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The network address, host bits cleared.
    public let network: IPAddress
    /// Leading bits that must match: 0–32 for IPv4, 0–128 for IPv6.
    public let prefixLength: Int

    /// Parses `address/length`; a bare address means a single host
    /// (/32 or /128).
    ///
    /// Host bits below the prefix are cleared rather than rejected
    /// (`10.1.2.3/8` is `10.0.0.0/8`), as `ip route` and Go's ParseCIDR do.
    /// An IPv4-mapped IPv6 prefix of length 96 or more (`::ffff:10.0.0.0/104`)
    /// becomes the IPv4 prefix it covers, so it matches IPv4 clients.
    /// The length is 1–3 decimal digits with no sign and no leading zero.
    public init?(parsing input: some StringProtocol) {
        let text = Substring(input)
        let utf8 = text.utf8
        var addressText = text
        var length: Int?
        if let slash = utf8.lastIndex(of: UInt8(ascii: "/")) {
            addressText = text[..<slash]
            let digits = utf8[utf8.index(after: slash)...]
            guard !digits.isEmpty, digits.count <= 3,
                digits.first != UInt8(ascii: "0") || digits.count == 1
            else { return nil }
            var value = 0
            for byte in digits {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            length = value
        }
        guard let address = IPAddress(parsing: addressText) else { return nil }
        switch address {
        case .v4:
            let bits = length ?? 32
            guard bits <= 32 else { return nil }
            self.init(uncheckedNetwork: address, prefixLength: bits)
        case .v6:
            let bits = length ?? 128
            guard bits <= 128 else { return nil }
            if address.isIPv4Mapped, bits >= 96 {
                self.init(uncheckedNetwork: address.unmappedIPv4, prefixLength: bits - 96)
            } else {
                self.init(uncheckedNetwork: address, prefixLength: bits)
            }
        }
    }

    /// Builds the prefix, clearing host bits; `prefixLength` must be in range.
    private init(uncheckedNetwork address: IPAddress, prefixLength: Int) {
        self.prefixLength = prefixLength
        switch address {
        case .v4(let value):
            self.network = .v4(value & Self.mask32(prefixLength))
        case .v6:
            self.network = .v6(bits: address.bits128 & Self.mask128(prefixLength))
        }
    }

    /// Whether `address` lies inside this prefix. An IPv4-mapped IPv6
    /// address is compared as the IPv4 address it carries; otherwise the
    /// families must agree.
    public func contains(_ address: IPAddress) -> Bool {
        switch (network, address.unmappedIPv4) {
        case (.v4(let net), .v4(let value)):
            return value & Self.mask32(prefixLength) == net
        case (.v6, .v6):
            return address.bits128 & Self.mask128(prefixLength) == network.bits128
        default:
            return false
        }
    }

    public var description: String { "\(network)/\(prefixLength)" }

    @inline(__always)
    static func mask32(_ bits: Int) -> UInt32 {
        bits == 0 ? 0 : ~0 << UInt32(32 - bits)
    }

    @inline(__always)
    static func mask128(_ bits: Int) -> UInt128 {
        bits == 0 ? 0 : ~0 << UInt128(128 - bits)
    }
}
