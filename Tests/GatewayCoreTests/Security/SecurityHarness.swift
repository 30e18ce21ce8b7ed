import Foundation
import GatewayCore
import Testing

/// Shared plumbing for the end-to-end security tests: a real upstream and a real
/// gateway on loopback, shut down whatever the test body does.
enum SecurityHarness {
    /// Starts an upstream answering with `handler` and a gateway routing every service
    /// to it, runs `body`, then shuts both down (also when `body` throws).
    static func run(
        upstream handler: @escaping TestUpstream.Handler = { _ in .json(#"{"ok":true}"#) },
        configure: (inout GatewayConfiguration) -> Void = { _ in },
        _ body: (TestGateway, TestUpstream) async throws -> Void
    ) async throws {
        try await TestGateway.withUpstream(handler: handler, configure: configure, body)
    }

    /// An upstream answer that also tries to set its own CORS policy, which the
    /// gateway must strip (SPEC §4).
    static let hostileCORSUpstream: TestUpstream.Handler = { _ in
        .json(
            #"{"ok":true}"#,
            headers: [
                ("Access-Control-Allow-Origin", "https://evil.example"),
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Expose-Headers", "X-Upstream-Secret"),
                ("access-control-max-age", "1"),
                ("Vary", "Accept-Encoding"),
            ])
    }

    /// A protected route that forwards to the upstream.
    static let protectedPath = "/api/v1/conversations"
    /// A public route that forwards to the upstream.
    static let publicPath = "/api/v1/entity-types"
}

/// Tokens for the gateway under test, built by hand with `TestTokens.make`.
enum SecurityTokens {
    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    /// Claims JSON. Each argument is a JSON fragment written as is; nil leaves the claim out.
    /// The defaults describe a valid token for `u1` with role `user`.
    static func claims(
        userID: String? = #""u1""#,
        roles: String? = #"["user"]"#,
        iss: String? = #""aegis-gateway""#,
        exp: String? = String(now + 3600),
        iat: String? = String(now - 5),
        nbf: String? = nil,
        extra: [String] = []
    ) -> String {
        TestTokens.claimsJSON(userID: userID, roles: roles, iss: iss, exp: exp, iat: iat, nbf: nbf, extra: extra)
    }

    static func token(
        _ claims: String = claims(), header: String = TestTokens.hs256Header, secret: String = TestGateway.secret
    ) -> String {
        TestTokens.make(claims: claims, secret: secret, header: header)
    }

    /// A valid token for `user` with `roles` (a JSON array, or nil for no roles claim).
    static func valid(_ user: String = "u1", roles: [String]? = ["user"]) -> String {
        let rolesJSON = roles.map { "[" + $0.map(TestTokens.quoted).joined(separator: ",") + "]" }
        return token(claims(userID: TestTokens.quoted(user), roles: rolesJSON))
    }

    static func bearer(_ token: String) -> (String, String) { ("Authorization", "Bearer " + token) }
}

/// Assertions on the headers every gateway response carries.
enum SecurityExpect {
    static let allowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    static let allowHeaders = "Content-Type, Authorization"
    static let maxAge = "86400"
    static let exposeHeaders = "X-Request-ID, Retry-After, RateLimit, RateLimit-Policy, WWW-Authenticate"

    /// SPEC §4 in `*` mode: the four headers and Expose-Headers, each exactly once with
    /// exactly the gateway's value, and no credentials header.
    static func standardCORS(
        _ response: RawHTTPResponse, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.headers(named: "Access-Control-Allow-Origin") == ["*"], "\(what)", sourceLocation: sourceLocation)
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
        #expect(response.headers(named: "Access-Control-Max-Age") == [maxAge], "\(what)", sourceLocation: sourceLocation)
        #expect(
            response.headers(named: "Access-Control-Expose-Headers") == [exposeHeaders], "\(what)",
            sourceLocation: sourceLocation)
    }

    /// A gateway-made JSON error (SPEC §11) with `code`, whose request_id is the response's X-Request-ID.
    static func jsonError(
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
