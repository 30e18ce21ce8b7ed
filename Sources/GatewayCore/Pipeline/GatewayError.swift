public import NIOHTTP1

/// An answer the gateway makes itself, in the JSON shape of SPEC §11.
public struct GatewayError: Error, Sendable {
    public enum Code: String, Sendable {
        case badRequest = "bad_request"
        case unauthorized
        case forbidden
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case uriTooLong = "uri_too_long"
        case headersTooLarge = "headers_too_large"
        case rateLimited = "rate_limited"
        case badGateway = "bad_gateway"
        case unavailable
        case gatewayTimeout = "gateway_timeout"

        public var status: HTTPResponseStatus {
            switch self {
            case .badRequest: .badRequest
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .methodNotAllowed: .methodNotAllowed
            case .uriTooLong: .uriTooLong
            case .headersTooLarge: .requestHeaderFieldsTooLarge
            case .rateLimited: .tooManyRequests
            case .badGateway: .badGateway
            case .unavailable: .serviceUnavailable
            case .gatewayTimeout: .gatewayTimeout
            }
        }
    }

    public let code: Code
    public let message: String
    /// Extra response headers: `Allow`, `WWW-Authenticate`, `Retry-After`.
    public var headers: [(String, String)]

    public init(_ code: Code, _ message: String, headers: [(String, String)] = []) {
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// `{"error": …, "message": …, "request_id": …}`, escaped as JSON.
    public func body(requestID: RequestID) -> String {
        var out = "{\"error\":\""
        out += code.rawValue
        out += "\",\"message\":"
        JSONEscaping.appendQuoted(message, to: &out)
        out += ",\"request_id\":"
        JSONEscaping.appendQuoted(requestID.description, to: &out)
        out += "}"
        return out
    }
}

/// JSON string escaping shared by error bodies, minted tokens, the log handler and the access log.
public enum JSONEscaping {
    public static func appendQuoted(_ text: some StringProtocol, to out: inout String) {
        out += "\""
        appendEscaped(text, to: &out)
        out += "\""
    }

    /// Escapes quotes, backslashes and every control character (including U+2028/9 for
    /// consumers that treat them as line breaks).
    public static func appendEscaped(_ text: some StringProtocol, to out: inout String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{00}"..."\u{1F}", "\u{7F}"..."\u{9F}", "\u{2028}", "\u{2029}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
    }
}
