public import NIOCore

/// An IP address as plain integers, so comparing, hashing and masking cost
/// nothing and no `String` is kept per client.
///
/// Parsing lives in `IPAddress+Parsing.swift`, the RFC 5952 text form in
/// `IPAddress+Description.swift`.
public enum IPAddress: Hashable, Sendable {
    /// An IPv4 address, most significant octet in the high byte.
    case v4(UInt32)
    /// An IPv6 address as its high and low 64 bits.
    case v6(UInt64, UInt64)

    /// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`),
    /// or `self` unchanged.
    ///
    /// A dual-stack listener reports IPv4 clients in mapped form; keying,
    /// trusting and logging them as IPv4 keeps one client one identity.
    public var unmappedIPv4: IPAddress {
        if case .v6(0, let low) = self, low >> 32 == 0xFFFF {
            return .v4(UInt32(truncatingIfNeeded: low))
        }
        return self
    }

    /// Whether this is an IPv4-mapped IPv6 address.
    public var isIPv4Mapped: Bool {
        if case .v6(0, let low) = self { return low >> 32 == 0xFFFF }
        return false
    }

    /// The address of a socket peer; `nil` for a Unix domain socket.
    ///
    /// The address is taken as the kernel reports it (a dual-stack listener
    /// gives IPv4 clients in mapped form); use `unmappedIPv4` to normalise.
    ///
    /// The bytes are read at their fixed offsets in `sockaddr_in` (4) and
    /// `sockaddr_in6` (8), the same on Linux and the BSDs, rather than
    /// through the C field names, which would need NIO's internal C modules.
    public init?(_ address: SocketAddress) {
        switch address {
        case .v4(let v4):
            self = withUnsafeBytes(of: v4.address) { raw in
                .v4(Self.bigEndianInteger(raw, from: 4, count: 4))
            }
        case .v6(let v6):
            self = withUnsafeBytes(of: v6.address) { raw in
                .v6(Self.bigEndianInteger(raw, from: 8, count: 8), Self.bigEndianInteger(raw, from: 16, count: 8))
            }
        case .unixDomainSocket:
            return nil
        }
    }

    private static func bigEndianInteger<T: FixedWidthInteger>(
        _ raw: UnsafeRawBufferPointer, from offset: Int, count: Int
    ) -> T {
        var value: T = 0
        for i in offset..<offset + count { value = value << 8 | T(raw[i]) }
        return value
    }

    /// The address as one 128-bit value (IPv4 in the low 32 bits).
    var bits128: UInt128 {
        switch self {
        case .v4(let value): UInt128(value)
        case .v6(let high, let low): UInt128(high) << 64 | UInt128(low)
        }
    }

    /// An IPv6 address from its 128-bit value.
    static func v6(bits: UInt128) -> IPAddress {
        .v6(UInt64(truncatingIfNeeded: bits >> 64), UInt64(truncatingIfNeeded: bits))
    }
}
