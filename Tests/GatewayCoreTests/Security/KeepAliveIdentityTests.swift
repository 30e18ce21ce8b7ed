import GatewayCore
import Testing

/// SPEC §3/§7: identity, auth and the limiter are decided per request, also when
/// several requests share one client connection (and pipelined ones).
@Suite("Identity per request on a keep-alive connection")
struct KeepAliveIdentityTests {
    @Test func eachRequestOnOneConnectionGetsItsOwnIdentity() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            defer { Task { await client.close() } }
            let alice = SecurityTokens.bearer(SecurityTokens.valid("alice", roles: ["admin"]))
            let bob = SecurityTokens.bearer(SecurityTokens.valid("bob", roles: ["user"]))

            #expect(try await client.exchange("GET", "/api/v1/admin/a", headers: [alice]).status == 200)
            // Same connection, no token: neither Alice's identity nor her role carries over.
            #expect(try await client.exchange("GET", "/api/v1/entity-types").status == 200)
            #expect(try await client.exchange("GET", "/api/v1/admin/b").status == 401)
            #expect(try await client.exchange("GET", "/api/v1/admin/c", headers: [bob]).status == 403)
            #expect(try await client.exchange("GET", "/api/v1/conversations", headers: [bob]).status == 200)
            #expect(
                try await client.exchange("GET", "/api/v1/conversations", headers: [SecurityTokens.bearer("junk")])
                    .status == 401)

            let recorded = try await upstream.waitForRequests(3)
            #expect(recorded.count == 3)
            #expect(recorded.map(\.path) == ["/admin/a", "/entity-types", "/conversations"])
            #expect(recorded.map { $0.headers(named: "X-User-ID") } == [["alice"], [], ["bob"]])
            #expect(recorded.map { $0.headers(named: "X-User-Roles") } == [["admin"], [], ["user"]])
        }
    }

    @Test func pipelinedRequestsAreJudgedOneByOne() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            defer { Task { await client.close() } }
            let carol = SecurityTokens.bearer(SecurityTokens.valid("carol"))
            var bytes: [UInt8] = []
            bytes += RawHTTPClient.request("GET", "/api/v1/conversations/1", headers: [carol])
            bytes += RawHTTPClient.request("OPTIONS", "/api/v1/conversations/2")
            bytes += RawHTTPClient.request("GET", "/api/v1/conversations/3", headers: [("X-User-ID", "carol")])
            bytes += RawHTTPClient.request(
                "GET", "/api/v1/conversations/4", headers: [carol, ("X-User-ID", "mallory")])
            try await client.send(bytes)
            var statuses: [Int] = []
            for i in 0..<4 {
                let response: RawHTTPResponse
                do {
                    response = try await client.readResponse()
                } catch {
                    Issue.record(
                        "response #\(i + 1) never came (got \(statuses), upstream saw \(upstream.requests.map(\.uri))): \(error)"
                    )
                    return
                }
                statuses.append(response.status)
                GatewayExpect.standardCORS(response, "pipelined #\(statuses.count)")
            }
            #expect(statuses == [200, 200, 401, 200])
            let recorded = try await upstream.waitForRequests(2)
            #expect(recorded.count == 2)
            #expect(recorded.map(\.path) == ["/conversations/1", "/conversations/4"])
            #expect(recorded.map { $0.headers(named: "X-User-ID") } == [["carol"], ["carol"]])
        }
    }

    @Test func rateLimitIsPerRequestNotPerConnection() async throws {
        try await TestGateway.withUpstream(configure: {
            $0.rateLimitBurst = 2
            $0.rateLimitPerMinute = 1
        }) { (gateway: TestGateway, _: TestUpstream) async throws in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            defer { Task { await client.close() } }
            var statuses: [Int] = []
            for _ in 0..<4 {
                statuses.append(try await client.exchange("GET", "/api/v1/entity-types").status)
            }
            #expect(statuses == [200, 200, 429, 429])
            // A second connection from the same address shares the bucket.
            #expect(try await gateway.fetch("GET", "/api/v1/entity-types").status == 429)
        }
    }
}
