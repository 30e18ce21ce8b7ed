/// The prefixes of TRUSTED_PROXIES: peers whose X-Forwarded-For is believed.
///
/// A linear scan: operators list a handful of prefixes, and a few integer
/// compares beat any tree at that size.
public struct TrustedProxies: Sendable {
    public let cidrs: [CIDR]

    public init(_ cidrs: [CIDR]) {
        self.cidrs = cidrs
    }

    /// True when nothing is trusted, so X-Forwarded-For is never believed.
    public var isEmpty: Bool { cidrs.isEmpty }

    public func contains(_ address: IPAddress) -> Bool {
        for cidr in cidrs where cidr.contains(address) { return true }
        return false
    }
}
