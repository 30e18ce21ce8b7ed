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

    /// Writes the CORS fields for a request that carried `origin` (nil when absent), `Vary:
    /// Origin` included when asked and responses vary by origin.
    func write(origin: String?, varyOrigin: Bool, into writer: inout ByteWriter) {
        switch origins {
        case .any:
            writer.put("Access-Control-Allow-Origin: *\r\n")
        case .list(let allowed):
            if let origin, allowed.contains(origin) {
                writer.field("Access-Control-Allow-Origin", origin)
                writer.put("Access-Control-Allow-Credentials: true\r\n")
            }
        }
        writer.put(Self.fixedFields)
        if varyOrigin && variesByOrigin { writer.put("Vary: Origin\r\n") }
    }

    /// The fields every response carries whatever the request, as one block of lines.
    static let fixedFields =
        "Access-Control-Allow-Methods: \(allowMethods)\r\nAccess-Control-Allow-Headers: \(allowHeaders)\r\n"
        + "Access-Control-Max-Age: \(maxAge)\r\nAccess-Control-Expose-Headers: \(exposeHeaders)\r\n"
}
