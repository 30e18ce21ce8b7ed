@testable import GatewayCore

extension Fuzz {
    static let resolver = ClientAddressResolver(
        trusted: TrustedProxies([CIDR(parsing: "10.0.0.0/8")!, CIDR(parsing: "fd00::/8")!, CIDR(parsing: "127.0.0.1")!])
    )

    /// The IP, CIDR and X-Forwarded-For parsers. A parsed address prints in canonical form, and
    /// that text parses back to the same address; a CIDR contains its own address; the client
    /// address the XFF walk picks is one of the listed hops or the peer.
    public static func ipAddress(_ input: UnsafeRawBufferPointer) {
        let text = String(decoding: input, as: UTF8.self)
        if let address = IPAddress(parsing: text) {
            let canonical = address.description
            require(IPAddress(parsing: canonical) == address, "\(canonical) does not parse back")
            require(IPAddress(parsing: canonical)?.description == canonical, "\(canonical) is not canonical")
        }
        if let cidr = CIDR(parsing: text), let address = IPAddress(parsing: text.split(separator: "/").first ?? "") {
            // By design an IPv4-mapped address is compared as IPv4, so a shorter IPv6 prefix that
            // spans the mapped range (`0:0:0:0:0:ffff::/6`) does not hold it (CIDR.contains).
            let networkIsIPv6: Bool = if case .v6 = cidr.network { true } else { false }
            let mappedUnderIPv6 = address.isIPv4Mapped && networkIsIPv6
            require(mappedUnderIPv6 || cidr.contains(address), "\(text) does not contain its own address")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let peer = IPAddress(parsing: "10.1.2.3")!
        let client = resolver.resolve(peer: peer, forwardedFor: lines)
        let hops = lines.flatMap { $0.split(separator: ",") }.compactMap {
            ClientAddressResolver.parseEntry(ClientAddressResolver.trimmed($0.utf8[...]))
        }
        require(
            client == peer.unmappedIPv4 || hops.contains { $0.unmappedIPv4 == client || $0 == client },
            "client \(client) is no hop")
    }
}
