public import NIOHTTP1

/// Method tests by pattern. `HTTPMethod` is `RawRepresentable`, so `==` resolves to the standard
/// library's raw-value comparison: two `rawValue` strings made, compared and released per test,
/// on every request (a dozen reference counts per proxied GET).
extension HTTPMethod {
    public var isHEAD: Bool { if case .HEAD = self { true } else { false } }
    public var isCONNECT: Bool { if case .CONNECT = self { true } else { false } }
}
