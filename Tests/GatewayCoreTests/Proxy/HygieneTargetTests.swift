import Foundation
import GatewayCore
import Testing

/// SPEC §10 target and Host checks: 400 JSON with CORS headers, nothing proxied.
@Suite struct HygieneTargetTests {
    static let badTargets: [String] = [
        "http://x/api/v1/conversations",
        "*",
        "api/v1/conversations",
        "/api/v1/conversations/../admin/x",
        "/api/v1/conversations/..",
        "/api/v1/conversations/./1",
        "/api/v1/conversations/.",
        "/api/v1/conversations/%2e%2E/admin/x",
        "/api/v1/conversations/.%2e/admin/x",
        "/api/v1/conversations/%2E/1",
        "/api/v1/conversations/..;x/admin",
        "/api/v1/conversations/.;x/1",
        "/api/v1/conversations/a%2Fb",
        "/api/v1/conversations/a%2fb",
        "/api/v1/conversations/a%5cb",
        "/api/v1/conversations/a%5Cb",
        "/api/v1/conversations/a\\b",
        "/api/v1/conversations/a%00",
        "/api/v1/conversations/a%1f",
        "/api/v1/conversations/a%1F",
        "/api/v1/conversations/a%7F",
        "/api/v1/conversations/a%7f?x=1",
        "/api/v1/conversations/a%zz",
        "/api/v1/conversations#frag",
    ]

    @Test(arguments: badTargets)
    func badTargetIs400(target: String) async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let request = CoreProxy.head([
                "GET \(target) HTTP/1.1", "Host: gateway.test", "\(CoreProxy.auth.0): \(CoreProxy.auth.1)",
            ])
            let (response, client) = try await CoreProxy.rawExchange(gateway, request)
            await client.close()
            GatewayExpect.error(response, status: 400, code: "bad_request")
            #expect(upstream.requests.count == 0)
        }
    }

    /// Raw bytes no text literal can hold: 0x80 and a raw control byte in the path.
    @Test(arguments: [[UInt8(0x80)], [0xC3, 0xA9], [0x01], [0x7F]])
    func rawByteOutsideVisibleASCIIIs400(bytes: [UInt8]) async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let request =
                Array("GET /api/v1/conversations/a".utf8) + bytes
                + Array(" HTTP/1.1\r\nHost: gateway.test\r\n\(CoreProxy.auth.0): \(CoreProxy.auth.1)\r\n\r\n".utf8)
            let (response, client) = try await CoreProxy.rawExchange(gateway, request)
            await client.close()
            GatewayExpect.error(response, status: 400, code: "bad_request")
            #expect(upstream.requests.count == 0)
        }
    }

    @Test(arguments: [
        ["GET /api/v1/conversations HTTP/1.1"],
        ["GET /api/v1/conversations HTTP/1.1", "Host: a.test", "Host: a.test"],
        ["GET /api/v1/conversations HTTP/1.1", "Host: a.test", "Host: b.test"],
        ["GET /api/v1/conversations HTTP/1.1", "Host: a.test:port"],
        ["GET /api/v1/conversations HTTP/1.1", "Host: a.test/x"],
        ["GET /api/v1/conversations HTTP/1.1", "Host: user@a.test"],
        ["GET /api/v1/conversations HTTP/1.1", "Host: a.test, b.test"],
        ["GET /api/v1/conversations HTTP/1.1", "Host: a.test:80:80"],
        ["GET /api/v1/conversations HTTP/1.1", "Host: a.test:123456"],
    ])
    func badHostIs400(lines: [String]) async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let request = CoreProxy.head(lines + ["\(CoreProxy.auth.0): \(CoreProxy.auth.1)"])
            let (response, client) = try await CoreProxy.rawExchange(gateway, request)
            await client.close()
            GatewayExpect.error(response, status: 400, code: "bad_request")
            #expect(upstream.requests.count == 0)
        }
    }

    @Test(arguments: ["gateway.test", "gateway.test:8443", "127.0.0.1:80", "[::1]:8000", "GATEWAY.test"])
    func goodHostIsServed(host: String) async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let request = CoreProxy.head([
                "GET /api/v1/conversations HTTP/1.1", "Host: \(host)", "\(CoreProxy.auth.0): \(CoreProxy.auth.1)",
            ])
            let (response, client) = try await CoreProxy.rawExchange(gateway, request)
            await client.close()
            #expect(response.status == 200)
            #expect(try await upstream.waitForRequests(1).count == 1)
        }
    }

    @Test func hygieneRefusalOnPublicPathIsStill400() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let response = try await gateway.fetch("GET", "/api/v1/entity-types/%2e%2e/x")
            GatewayExpect.error(response, status: 400, code: "bad_request")
            #expect(upstream.requests.count == 0)
        }
    }

    @Test(arguments: ["TRACE", "CONNECT"])
    func traceAndConnectAre405(method: String) async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(RawHTTPClient.request(method, "/api/v1/conversations", headers: [CoreProxy.auth]))
            var response = try await client.readHead()
            // An unframed error body could never end on a keep-alive connection.
            #expect(response.framing != .untilClose, "405 head without framing: \(response.rawHead)")
            if response.framing != .untilClose {
                while let piece = try await client.readChunk() { response.body += piece.bytes }
            }
            await client.close()
            GatewayExpect.error(response, status: 405, code: "method_not_allowed")
            #expect(upstream.requests.count == 0)
        }
    }
}
