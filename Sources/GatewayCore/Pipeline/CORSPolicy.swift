import NIOHTTP1

/// CORS_ALLOWED_ORIGINS: `*` or a list of exact origins.
public enum CORSOrigins: Sendable, Equatable {
    case any
    case list(Set<String>)
}

/// The CORS headers of SPEC §4, added to every response the gateway sends.
public struct CORSPolicy: Sendable {
    public static let allowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    public static let allowHeaders = "Content-Type, Authorization"
    public static let maxAge = "86400"
    public static let exposeHeaders = "X-Request-ID, Retry-After, RateLimit, RateLimit-Policy, WWW-Authenticate"

    public let origins: CORSOrigins

    public init(origins: CORSOrigins) { self.origins = origins }

    /// Whether responses vary by Origin, so `Vary: Origin` must be sent.
    public var variesByOrigin: Bool { origins != .any }

    /// Appends the CORS headers for a request that carried `origin` (nil when absent).
    public func apply(to headers: inout HTTPHeaders, origin: String?) {
        switch origins {
        case .any:
            headers.add(name: "Access-Control-Allow-Origin", value: "*")
        case .list(let allowed):
            if let origin, allowed.contains(origin) {
                headers.add(name: "Access-Control-Allow-Origin", value: origin)
                headers.add(name: "Access-Control-Allow-Credentials", value: "true")
            }
        }
        headers.add(name: "Access-Control-Allow-Methods", value: Self.allowMethods)
        headers.add(name: "Access-Control-Allow-Headers", value: Self.allowHeaders)
        headers.add(name: "Access-Control-Max-Age", value: Self.maxAge)
        headers.add(name: "Access-Control-Expose-Headers", value: Self.exposeHeaders)
    }

    /// Merges `Origin` into the Vary header(s) already in `headers`, once.
    public func applyVary(to headers: inout HTTPHeaders) {
        guard variesByOrigin else { return }
        let existing = headers[canonicalForm: "vary"]
        if existing.contains(where: { $0 == "*" || $0.lowercased() == "origin" }) { return }
        if existing.isEmpty {
            headers.add(name: "Vary", value: "Origin")
        } else {
            let merged = existing.joined(separator: ", ") + ", Origin"
            headers.replaceOrAdd(name: "Vary", value: merged)
        }
    }
}
