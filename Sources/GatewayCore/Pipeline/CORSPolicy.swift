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
    public func apply(to headers: inout [(String, String)], origin: String?) {
        switch origins {
        case .any:
            headers.append(("Access-Control-Allow-Origin", "*"))
        case .list(let allowed):
            if let origin, allowed.contains(origin) {
                headers.append(("Access-Control-Allow-Origin", origin))
                headers.append(("Access-Control-Allow-Credentials", "true"))
            }
        }
        headers.append(("Access-Control-Allow-Methods", Self.allowMethods))
        headers.append(("Access-Control-Allow-Headers", Self.allowHeaders))
        headers.append(("Access-Control-Max-Age", Self.maxAge))
        headers.append(("Access-Control-Expose-Headers", Self.exposeHeaders))
    }

    /// Merges `Origin` into the Vary header(s) already in `headers`, into one field.
    public func applyVary(to headers: inout [(String, String)]) {
        guard variesByOrigin else { return }
        // Usually there is no Vary yet (local answers, most upstream responses): one append.
        guard headers.contains(where: { HeaderNames.equals($0.0, "vary") }) else {
            headers.append(("Vary", "Origin"))
            return
        }
        var values: [Substring] = []
        headers.removeAll { name, value in
            guard HeaderNames.equals(name, "vary") else { return false }
            values += value.split(separator: ",").map { $0.trimmingASCIISpaces() }.filter { !$0.isEmpty }
            return true
        }
        if !values.contains(where: { $0 == "*" || HeaderNames.equals(String($0), "origin") }) {
            values.append("Origin")
        }
        headers.append(("Vary", values.joined(separator: ", ")))
    }
}
