import Foundation
import GatewayCore
import Testing

@Suite struct ProxySmokeTests {
    @Test func proxiesAnAuthenticatedGet() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await TestGateway.start(upstream: upstream.url)
        let response = try await gateway.fetch("GET", "/api/v1/conversations/7?x=1", headers: [TestGateway.bearer()])
        #expect(response.status == 200)
        let recorded = try await upstream.waitForRequests(1)
        #expect(recorded[0].uri == "/conversations/7?x=1")
        #expect(recorded[0].header("x-user-id") == "u1")
        await gateway.shutdown()
        try await upstream.shutdown()
    }
}
