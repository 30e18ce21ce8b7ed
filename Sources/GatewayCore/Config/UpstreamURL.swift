import NIOConcurrencyHelpers

/// An upstream base URL (`http://host:port/base`): where one service lives.
public struct UpstreamURL: Sendable, CustomStringConvertible {
    /// The strings live in one shared object: a plan, an exchange and a response head each copy
    /// the endpoint per request, and a copy then costs one reference count, not one per string.
    private final class Storage: Sendable {
        let host: String
        let basePath: String
        let authority: String
        let address: String?

        init(host: String, basePath: String, authority: String, address: String?) {
            self.host = host
            self.basePath = basePath
            self.authority = authority
            self.address = address
        }
    }

    private let storage: Storage
    public var host: String { storage.host }
    public let port: Int
    /// Prefixes every internal path; never ends with `/` (empty for none).
    public var basePath: String { storage.basePath }

    /// The value of the `Host` header sent upstream (computed once: every request sends it).
    public var authority: String { storage.authority }
    /// An address the host name resolved to (SPEC §15); nil: connect to the host itself.
    private var address: String? { storage.address }
    /// Where connections go.
    public var connectHost: String { address ?? host }
    /// A dense number for the address and port connected to, the same in every configuration the
    /// process loads: per-loop connection pools index an array by it instead of hashing names.
    public let endpointID: Int

    public var description: String { "http://\(authority)\(basePath)" }

    /// `address:port` (port always), as metrics name an endpoint (SPEC §15).
    public var hostAndPort: String { (connectHost.contains(":") ? "[\(connectHost)]" : connectHost) + ":\(port)" }

    /// Whether the host is a name to resolve, not an address.
    public var hostIsName: Bool { IPAddress(parsing: host) == nil }

    public init(host: String, port: Int, basePath: String = "") {
        self.init(host: host, port: port, basePath: basePath, address: nil)
    }

    private init(host: String, port: Int, basePath: String, address: String?) {
        self.port = port
        let h = host.contains(":") ? "[\(host)]" : host
        storage = Storage(
            host: host, basePath: basePath, authority: port == 80 ? h : "\(h):\(port)", address: address)
        endpointID = EndpointIDs.id(host: address ?? host, port: port)
    }

    /// This endpoint at one of the addresses its host resolved to; `Host` stays the name.
    public func resolved(to address: String) -> UpstreamURL {
        UpstreamURL(host: host, port: port, basePath: basePath, address: address)
    }

    /// Parses `http://host[:port][/base]`. Only plain HTTP: upstreams are on the private network.
    public init?(parsing text: String) {
        guard text.hasPrefix("http://") else { return nil }
        var rest = Substring(text.dropFirst("http://".count))
        if rest.contains("?") || rest.contains("#") || rest.contains("@") { return nil }
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            rest = rest[..<slash]
        }
        while path.hasSuffix("/") { path.removeLast() }
        var host: Substring
        var portText: Substring? = nil
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else { return nil }
        var port = 80
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p), portText.allSatisfy(\.isASCII) else { return nil }
            port = p
        }
        guard path.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\\" }) else { return nil }
        self.init(host: String(host), port: port, basePath: path)
    }
}

/// Numbers `host:port` pairs in the order they are first seen. Never reused: a process sees few
/// distinct endpoints (a reload adds only the ones it introduces).
enum EndpointIDs {
    private static let ids = NIOLockedValueBox<[String: Int]>([:])

    static func id(host: String, port: Int) -> Int {
        ids.withLockedValue { ids in
            let key = "\(host)\u{0}\(port)"
            if let id = ids[key] { return id }
            let id = ids.count
            ids[key] = id
            return id
        }
    }
}
