import GatewayCore
import NIOCore
import Testing

/// SPEC §4: every response the gateway sends carries the CORS headers, whoever made it.
@Suite("CORS headers on every response")
struct CORSHeadersTests {
    enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case proxied200, upstream500, unauthorized401, forbidden403, notFound404, methodNotAllowed405
        case rateLimited429, hygiene400, badGateway502, gatewayTimeout504, health, ready, options
        case framing400, trace405, uriTooLong414, tooManyFields431, headTooLarge431, parserError400

        var testDescription: String { rawValue }

        var expectedStatus: Int {
            switch self {
            case .proxied200, .health, .ready, .options: 200
            case .upstream500: 500
            case .unauthorized401: 401
            case .forbidden403: 403
            case .notFound404: 404
            case .methodNotAllowed405: 405
            case .rateLimited429: 429
            case .hygiene400, .framing400, .parserError400: 400
            case .trace405: 405
            case .uriTooLong414: 414
            case .tooManyFields431, .headTooLarge431: 431
            case .badGateway502: 502
            case .gatewayTimeout504: 504
            }
        }
    }

    @Test(arguments: Kind.allCases)
    func everyResponseCarriesTheCORSHeaders(_ kind: Kind) async throws {
        let handler: TestUpstream.Handler
        switch kind {
        case .upstream500:
            handler = { _ in
                .json(
                    #"{"boom":1}"#, status: 500,
                    headers: [
                        ("Access-Control-Allow-Origin", "https://evil.example"),
                        ("Access-Control-Allow-Credentials", "true"),
                    ])
            }
        case .badGateway502:
            handler = { _ in .raw(Array("NOT-HTTP garbage\r\n\r\n".utf8)) }
        case .gatewayTimeout504:
            handler = { _ in .delayHead(.seconds(8), then: .json("{}")) }
        default:
            handler = SecurityHarness.hostileCORSUpstream
        }
        try await TestGateway.withUpstream(
            handler: handler,
            configure: { config in
                if kind == .rateLimited429 {
                    config.rateLimitBurst = 1
                    config.rateLimitPerMinute = 1
                }
                if kind == .gatewayTimeout504 { config.upstreamResponseTimeoutMilliseconds = 300 }
            }
        ) { (gateway: TestGateway, _: TestUpstream) async throws in
            let user = TestGateway.bearer("u1", roles: ["user"])
            let response: RawHTTPResponse
            switch kind {
            case .proxied200, .upstream500, .badGateway502, .gatewayTimeout504:
                response = try await gateway.fetch("GET", SecurityHarness.protectedPath, headers: [user])
            case .unauthorized401:
                response = try await gateway.fetch("GET", SecurityHarness.protectedPath)
            case .forbidden403:
                response = try await gateway.fetch("GET", "/api/v1/admin/x", headers: [user])
            case .notFound404:
                response = try await gateway.fetch("GET", "/api/v1/no-such-thing", headers: [user])
            case .methodNotAllowed405:
                response = try await gateway.fetch("GET", "/api/v1/agents/a1/execute", headers: [user])
            case .rateLimited429:
                let first = try await gateway.fetch("GET", SecurityHarness.protectedPath, headers: [user])
                #expect(first.status == 200)
                response = try await gateway.fetch("GET", SecurityHarness.protectedPath, headers: [user])
            case .hygiene400:
                response = try await gateway.fetch("GET", "/api/v1/conversations/%2e%2e/admin", headers: [user])
            case .health:
                response = try await gateway.fetch("GET", "/health")
            case .ready:
                response = try await gateway.fetch("GET", "/ready")
            case .options:
                response = try await gateway.fetch("OPTIONS", SecurityHarness.protectedPath)
            case .framing400:
                response = try await gateway.fetch(
                    "POST", SecurityHarness.protectedPath,
                    headers: [user, ("Content-Length", "3"), ("Transfer-Encoding", "chunked")], body: Array("abc".utf8))
            case .trace405:
                response = try await gateway.fetch("TRACE", SecurityHarness.protectedPath, headers: [user])
            case .uriTooLong414:
                let long = SecurityHarness.protectedPath + "?q=" + String(repeating: "a", count: 9 * 1024)
                response = try await gateway.fetch("GET", long, headers: [user])
            case .tooManyFields431:
                let many = (0..<120).map { ("X-Filler-\($0)", "v") }
                response = try await gateway.fetch("GET", SecurityHarness.protectedPath, headers: [user] + many)
            case .headTooLarge431:
                let big = (0..<10).map { ("X-Big-\($0)", String(repeating: "b", count: 7 * 1024)) }
                response = try await gateway.fetch("GET", SecurityHarness.protectedPath, headers: [user] + big)
            case .parserError400:
                response = try await gateway.fetch(
                    "GET", SecurityHarness.protectedPath, headers: [user, ("X-Folded", "a\r\n b")])
            }
            #expect(response.status == kind.expectedStatus, "\(kind): \(response.rawHead)")
            GatewayExpect.standardCORS(response, "\(kind)\n\(response.rawHead)")
        }
    }

    @Test func upstreamAccessControlHeadersAreRemoved() async throws {
        try await TestGateway.withUpstream(handler: SecurityHarness.hostileCORSUpstream) {
            (gateway: TestGateway, upstream: TestUpstream) async throws in
            let response = try await gateway.fetch(
                "GET", SecurityHarness.protectedPath,
                headers: [TestGateway.bearer(), ("Origin", "https://evil.example")])
            #expect(response.status == 200)
            try await upstream.waitForRequests(1)
            GatewayExpect.standardCORS(response, response.rawHead)
            #expect(!response.rawHead.contains("evil.example"), "\(response.rawHead)")
            #expect(!response.rawHead.contains("X-Upstream-Secret"), "\(response.rawHead)")
            // The rest of the upstream's head still passes.
            #expect(response.header("Vary") == "Accept-Encoding")
            #expect(response.bodyString == #"{"ok":true}"#)
        }
    }
}
