import Foundation
import GatewayCore
import Testing

/// SPEC §10: X-Request-ID passes through when valid, else a new UUID; echoed back.
@Suite struct RequestIDTests {
    @Test(arguments: ["abc-123", "A", String(repeating: "r", count: 128), "!~#{}[]\"'"])
    func validIDPassesThroughAndIsEchoed(id: String) async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let response = try await gateway.fetch(
                "GET", "/api/v1/conversations", headers: [CoreProxy.auth, ("X-Request-ID", id)])
            #expect(response.status == 200)
            #expect(response.headers(named: "X-Request-ID") == [id])
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.headers(named: "X-Request-ID") == [id])
        }
    }

    struct BadID: Sendable, CustomTestStringConvertible {
        var name: String
        var lines: [String]
        var testDescription: String { name }
    }

    static let badIDs: [BadID] = [
        BadID(name: "absent", lines: []),
        BadID(name: "repeated", lines: ["X-Request-ID: one", "X-Request-ID: two"]),
        BadID(name: "repeated same", lines: ["X-Request-ID: one", "X-Request-ID: one"]),
        BadID(name: "129 chars", lines: ["X-Request-ID: " + String(repeating: "r", count: 129)]),
        BadID(name: "inner space", lines: ["X-Request-ID: a b"]),
        BadID(name: "tab", lines: ["X-Request-ID: a\tb"]),
        BadID(name: "empty", lines: ["X-Request-ID: "]),
        BadID(name: "non-ascii", lines: ["X-Request-ID: caf\u{E9}"]),
    ]

    @Test(arguments: badIDs)
    func invalidIDIsReplacedByAUUID(_ bad: BadID) async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let request = CoreProxy.head(
                [
                    "GET /api/v1/conversations HTTP/1.1", "Host: gateway.test",
                    "\(CoreProxy.auth.0): \(CoreProxy.auth.1)",
                ]
                    + bad.lines)
            let (response, client) = try await CoreProxy.rawExchange(gateway, request)
            await client.close()
            #expect(response.status == 200)
            let echoed = response.headers(named: "X-Request-ID")
            #expect(echoed.count == 1)
            #expect(CoreProxy.isUUID(echoed.first), "\(echoed)")
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.headers(named: "X-Request-ID") == echoed)
        }
    }

    @Test func generatedIDsDiffer() async throws {
        try await TestGateway.withUpstream { gateway, _ in
            let a = try await gateway.fetch("GET", "/api/v1/conversations", headers: [CoreProxy.auth])
            let b = try await gateway.fetch("GET", "/api/v1/conversations", headers: [CoreProxy.auth])
            #expect(a.header("X-Request-ID") != nil)
            #expect(a.header("X-Request-ID") != b.header("X-Request-ID"))
        }
    }

    @Test func upstreamRequestIDDoesNotReplaceTheGatewaysOwn() async throws {
        try await TestGateway.withUpstream(handler: { _ in .json("{}", headers: [("X-Request-ID", "from-upstream")]) })
        { gateway, _ in
            let response = try await gateway.fetch(
                "GET", "/api/v1/conversations", headers: [CoreProxy.auth, ("X-Request-ID", "mine")])
            #expect(response.headers(named: "X-Request-ID") == ["mine"])
        }
    }
}
