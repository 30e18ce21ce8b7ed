import Foundation
import GatewayCore
import Testing

/// SPEC §10 size limits: request line 8 KiB → 414, head 64 KiB or 100 fields → 431.
@Suite struct HeadLimitTests {
    static let auth = "\(CoreProxy.auth.0): \(CoreProxy.auth.1)"

    @Test func requestLineOver8KiBIs414() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let target = "/api/v1/conversations?q=" + String(repeating: "a", count: 9000)
            let (response, client) = try await CoreProxy.rawExchange(
                gateway, CoreProxy.head(["GET \(target) HTTP/1.1", "Host: gateway.test", Self.auth]))
            await client.close()
            GatewayExpect.error(response, status: 414, code: "uri_too_long")
            #expect(upstream.requests.count == 0)
        }
    }

    @Test func requestLineUnder8KiBIsServed() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let target = "/api/v1/conversations?q=" + String(repeating: "a", count: 7000)
            let (response, client) = try await CoreProxy.rawExchange(
                gateway, CoreProxy.head(["GET \(target) HTTP/1.1", "Host: gateway.test", Self.auth]))
            await client.close()
            #expect(response.status == 200)
            #expect(
                try await upstream.waitForRequests(1)[0].uri == "/conversations?q="
                    + String(repeating: "a", count: 7000))
        }
    }

    @Test func headOver64KiBIs431() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let fields = (0..<70).map { "X-Pad-\($0): " + String(repeating: "p", count: 1000) }
            let (response, client) = try await CoreProxy.rawExchange(
                gateway,
                CoreProxy.head(["GET /api/v1/conversations HTTP/1.1", "Host: gateway.test", Self.auth] + fields))
            await client.close()
            GatewayExpect.error(response, status: 431, code: "headers_too_large")
            #expect(upstream.requests.count == 0)
        }
    }

    @Test func singleHugeFieldIs431() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let field = "X-Huge: " + String(repeating: "h", count: 70 * 1024)
            let (response, client) = try await CoreProxy.rawExchange(
                gateway, CoreProxy.head(["GET /api/v1/conversations HTTP/1.1", "Host: gateway.test", Self.auth, field]))
            await client.close()
            GatewayExpect.error(response, status: 431, code: "headers_too_large")
            #expect(upstream.requests.count == 0)
        }
    }

    @Test func over100FieldsIs431() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            // Host + Authorization + 99 = 101 fields.
            let fields = (0..<99).map { "X-F\($0): v" }
            let (response, client) = try await CoreProxy.rawExchange(
                gateway,
                CoreProxy.head(["GET /api/v1/conversations HTTP/1.1", "Host: gateway.test", Self.auth] + fields))
            await client.close()
            GatewayExpect.error(response, status: 431, code: "headers_too_large")
            #expect(upstream.requests.count == 0)
        }
    }

    @Test func exactly100FieldsIsServed() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let fields = (0..<98).map { "X-F\($0): v" }
            let (response, client) = try await CoreProxy.rawExchange(
                gateway,
                CoreProxy.head(["GET /api/v1/conversations HTTP/1.1", "Host: gateway.test", Self.auth] + fields))
            await client.close()
            #expect(response.status == 200)
            #expect(try await upstream.waitForRequests(1)[0].header("X-F97") == "v")
        }
    }
}
