import GatewayCore
import Testing

/// SPEC §4 with CORS_ALLOWED_ORIGINS set to a list.
@Suite("CORS origin list mode")
struct CORSOriginListTests {
    static let allowed = "https://app.example"

    static func listMode(_ config: inout GatewayConfiguration) {
        config.corsAllowedOrigins = .list([allowed])
    }

    /// The Vary values of `response` as one list of lower-cased tokens.
    static func varyTokens(_ response: RawHTTPResponse) -> [String] {
        response.headers(named: "Vary").flatMap { $0.split(separator: ",") }.map { $0.trimmingSpaces().lowercased() }
    }

    @Test func allowedOriginIsEchoedWithCredentials() async throws {
        try await TestGateway.withUpstream(handler: SecurityHarness.hostileCORSUpstream, configure: Self.listMode) {
            (gateway: TestGateway, _: TestUpstream) async throws in
            let response = try await gateway.fetch(
                "GET", SecurityHarness.protectedPath, headers: [TestGateway.bearer(), ("Origin", Self.allowed)])
            #expect(response.status == 200)
            #expect(response.headers(named: "Access-Control-Allow-Origin") == [Self.allowed])
            #expect(response.headers(named: "Access-Control-Allow-Credentials") == ["true"])
            GatewayExpect.commonCORS(response, response.rawHead)
            #expect(!response.rawHead.contains("evil.example"))
        }
    }

    @Test func varyOriginIsMergedWithTheUpstreamVaryIntoOneField() async throws {
        try await TestGateway.withUpstream(handler: SecurityHarness.hostileCORSUpstream, configure: Self.listMode) {
            (gateway: TestGateway, _: TestUpstream) async throws in
            let response = try await gateway.fetch(
                "GET", SecurityHarness.protectedPath, headers: [TestGateway.bearer(), ("Origin", Self.allowed)])
            #expect(response.status == 200)
            let vary = response.headers(named: "Vary")
            #expect(vary.count == 1, "one Vary field expected: \(vary)")
            #expect(Set(Self.varyTokens(response)) == ["accept-encoding", "origin"], "\(vary)")
        }
    }

    @Test func varyIsMergedWithSeveralUpstreamVaryLinesAndNeverDuplicated() async throws {
        let upstreamVary: [[(String, String)]] = [
            [("Vary", "Accept-Encoding"), ("Vary", "Accept-Language")],
            [("Vary", "origin, Accept-Encoding")],
            [("Vary", "Accept-Encoding"), ("vary", "Origin")],
        ]
        for headers in upstreamVary {
            try await TestGateway.withUpstream(
                handler: { _ in .json("{}", headers: headers) }, configure: Self.listMode
            ) {
                (gateway: TestGateway, _: TestUpstream) async throws in
                let response = try await gateway.fetch(
                    "GET", SecurityHarness.protectedPath, headers: [TestGateway.bearer(), ("Origin", Self.allowed)])
                #expect(response.status == 200)
                let tokens = Self.varyTokens(response)
                let expected = Set(
                    headers.flatMap { $0.1.split(separator: ",") }.map { $0.trimmingSpaces().lowercased() } + ["origin"]
                )
                #expect(Set(tokens) == expected, "upstream \(headers) → \(response.headers(named: "Vary"))")
                #expect(
                    tokens.filter { $0 == "origin" }.count == 1,
                    "upstream \(headers) → \(response.headers(named: "Vary"))")
            }
        }
    }

    @Test(arguments: ["https://evil.example", "null", "https://app.example.evil.example", "http://app.example"])
    func otherOriginsGetNoAllowOrigin(_ origin: String) async throws {
        try await TestGateway.withUpstream(handler: SecurityHarness.hostileCORSUpstream, configure: Self.listMode) {
            (gateway: TestGateway, _: TestUpstream) async throws in
            let proxied = try await gateway.fetch(
                "GET", SecurityHarness.protectedPath, headers: [TestGateway.bearer(), ("Origin", origin)])
            let preflight = try await gateway.fetch(
                "OPTIONS", SecurityHarness.protectedPath, headers: [("Origin", origin)])
            for (name, response) in [("proxied", proxied), ("OPTIONS", preflight)] {
                #expect(response.status == 200, "\(name)")
                #expect(response.headers(named: "Access-Control-Allow-Origin").isEmpty, "\(name): \(response.rawHead)")
                #expect(
                    response.headers(named: "Access-Control-Allow-Credentials").isEmpty, "\(name): \(response.rawHead)")
                #expect(Self.varyTokens(response).contains("origin"), "\(name): \(response.rawHead)")
            }
        }
    }

    @Test func everyResponseVariesByOriginInListMode() async throws {
        try await TestGateway.withUpstream(configure: {
            Self.listMode(&$0)
            $0.rateLimitBurst = 2
            $0.rateLimitPerMinute = 1
        }) { (gateway: TestGateway, _: TestUpstream) async throws in
            let origin = ("Origin", Self.allowed)
            var responses: [(String, RawHTTPResponse)] = []
            responses.append(("proxied", try await gateway.fetch("GET", SecurityHarness.publicPath, headers: [origin])))
            responses.append(("401", try await gateway.fetch("GET", SecurityHarness.protectedPath, headers: [origin])))
            responses.append(("429", try await gateway.fetch("GET", SecurityHarness.protectedPath, headers: [origin])))
            responses.append(("health", try await gateway.fetch("GET", "/health", headers: [origin])))
            responses.append(("ready no origin", try await gateway.fetch("GET", "/ready")))
            responses.append(("OPTIONS", try await gateway.fetch("OPTIONS", "/x", headers: [origin])))
            responses.append(("400", try await gateway.fetch("GET", "/a/%2e%2e/b", headers: [origin])))
            #expect(responses.map(\.1.status) == [200, 401, 429, 200, 200, 200, 400])
            for (name, response) in responses {
                #expect(Self.varyTokens(response).filter { $0 == "origin" }.count == 1, "\(name): \(response.rawHead)")
                GatewayExpect.commonCORS(response, name)
            }
            for (name, response) in responses where name != "ready no origin" {
                #expect(response.headers(named: "Access-Control-Allow-Origin") == [Self.allowed], "\(name)")
                #expect(response.headers(named: "Access-Control-Allow-Credentials") == ["true"], "\(name)")
            }
            #expect(responses[4].1.headers(named: "Access-Control-Allow-Origin").isEmpty)
        }
    }

    @Test func wildcardModeNeverSendsCredentials() async throws {
        try await TestGateway.withUpstream(handler: SecurityHarness.hostileCORSUpstream) {
            (gateway: TestGateway, _: TestUpstream) async throws in
            let response = try await gateway.fetch(
                "GET", SecurityHarness.protectedPath, headers: [TestGateway.bearer(), ("Origin", Self.allowed)])
            #expect(response.status == 200)
            GatewayExpect.standardCORS(response, response.rawHead)
            let preflight = try await gateway.fetch("OPTIONS", "/x", headers: [("Origin", Self.allowed)])
            GatewayExpect.standardCORS(preflight, preflight.rawHead)
        }
    }
}
