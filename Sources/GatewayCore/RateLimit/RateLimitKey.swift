/// Whose bucket a request draws from (SPEC §5).
public enum RateLimitKey: Hashable, Sendable, CustomStringConvertible {
    /// A client with a valid token.
    case user(String)
    /// An anonymous IPv4 client (IPv4-mapped IPv6 included).
    case ipv4(UInt32)
    /// An anonymous IPv6 client, by the high 64 bits of its address: one
    /// host usually owns a whole /64, so keying finer would let it mint
    /// fresh buckets at will.
    case ipv6Prefix(UInt64)

    public init(client: IPAddress) {
        switch client.unmappedIPv4 {
        case .v4(let value): self = .ipv4(value)
        case .v6(let high, _): self = .ipv6Prefix(high)
        }
    }

    /// `user:<id>`, `ip:<a.b.c.d>` or `ip:<v6 prefix>/64`.
    public var description: String {
        switch self {
        case .user(let id): "user:\(id)"
        case .ipv4(let value): "ip:\(IPAddress.v4(value))"
        case .ipv6Prefix(let high): "ip:\(IPAddress.v6(high, 0))/64"
        }
    }
}
