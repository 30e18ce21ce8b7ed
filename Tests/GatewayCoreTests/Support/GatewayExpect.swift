import Foundation
import Testing

/// Assertions on the headers every gateway response carries.
enum GatewayExpect {
    static let allowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    static let allowHeaders = "Content-Type, Authorization"
    static let maxAge = "86400"
    static let exposeHeaders = "X-Request-ID, Retry-After, RateLimit, RateLimit-Policy, WWW-Authenticate"

    /// SPEC §4 in `*` mode: the four headers and Expose-Headers, each exactly once with
    /// exactly the gateway's value, and no credentials header.
    static func standardCORS(
        _ response: RawHTTPResponse, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            response.headers(named: "Access-Control-Allow-Origin") == ["*"], "\(what)", sourceLocation: sourceLocation)
        commonCORS(response, what, sourceLocation: sourceLocation)
        #expect(
            response.headers(named: "Access-Control-Allow-Credentials").isEmpty, "\(what)",
            sourceLocation: sourceLocation)
    }

    /// The CORS headers that do not depend on the origin.
    static func commonCORS(
        _ response: RawHTTPResponse, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            response.headers(named: "Access-Control-Allow-Methods") == [allowMethods], "\(what)",
            sourceLocation: sourceLocation)
        #expect(
            response.headers(named: "Access-Control-Allow-Headers") == [allowHeaders], "\(what)",
            sourceLocation: sourceLocation)
        #expect(
            response.headers(named: "Access-Control-Max-Age") == [maxAge], "\(what)", sourceLocation: sourceLocation)
        #expect(
            response.headers(named: "Access-Control-Expose-Headers") == [exposeHeaders], "\(what)",
            sourceLocation: sourceLocation)
    }

    /// A gateway-made error (SPEC §11): status, JSON content type, `code`, a message, a request_id
    /// equal to the X-Request-ID header, and the CORS headers every response carries (SPEC §4).
    static func error(
        _ response: RawHTTPResponse, status: Int, code: String, _ what: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, "\(what): \(response.bodyString)", sourceLocation: sourceLocation)
        #expect(
            response.header("Content-Type")?.lowercased().hasPrefix("application/json") == true, "\(what)",
            sourceLocation: sourceLocation)
        let json = response.json
        #expect(json?["error"] as? String == code, "\(what): \(response.bodyString)", sourceLocation: sourceLocation)
        #expect((json?["message"] as? String)?.isEmpty == false, "\(what)", sourceLocation: sourceLocation)
        #expect(
            json?["request_id"] as? String != nil && json?["request_id"] as? String == response.header("X-Request-ID"),
            "\(what)", sourceLocation: sourceLocation)
        commonCORS(response, what, sourceLocation: sourceLocation)
    }

    /// The recorded request's headers whose name, lower-cased with `_` and `.` read as
    /// `-`, starts with `x-user-` (SPEC §7).
    static func userHeaders(_ request: RecordedRequest) -> [(String, String)] {
        request.headers.filter { name, _ in
            let normalised = name.lowercased().replacingOccurrences(of: "_", with: "-")
                .replacingOccurrences(of: ".", with: "-")
            return normalised.hasPrefix("x-user-")
        }
    }
}
