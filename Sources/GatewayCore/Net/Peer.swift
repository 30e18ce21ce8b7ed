/// The socket peer of a client connection, with what every request on it needs: its address
/// (IPv4-mapped addresses as IPv4), that address in canonical text for X-Forwarded-For, and
/// whether it is in TRUSTED_PROXIES. Decided once per connection; the one notion of trust that
/// the pipeline (which X-Forwarded-For to believe) and the upstream head (which forwarded
/// fields to keep) both read.
public struct Peer: Sendable {
    public let address: IPAddress
    public let text: String
    public let isTrusted: Bool
    /// The connection is TLS: X-Forwarded-Proto is `https` (SPEC §7, §17).
    public let isSecure: Bool

    public init(_ address: IPAddress, trusted: TrustedProxies, secure: Bool = false) {
        self.address = address.unmappedIPv4
        text = self.address.description
        isTrusted = trusted.contains(self.address)
        isSecure = secure
    }
}
