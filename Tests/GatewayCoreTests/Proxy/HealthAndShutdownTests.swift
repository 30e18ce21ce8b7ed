import Foundation
import GatewayCore
import NIOCore
import Testing

/// SPEC §9 /health and /ready; SPEC §13 graceful shutdown.
@Suite struct HealthAndShutdownTests {
    @Test func healthIsOK() async throws {
        let gateway = try await TestGateway.start(upstream: nil)
        let response = try await gateway.fetch("GET", "/health")
        #expect(response.status == 200)
        #expect(response.bodyString == #"{"status":"ok"}"#)
        #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
        GatewayExpect.standardCORS(response, "")
        let head = try await gateway.fetch("HEAD", "/health")
        #expect(head.status == 200)
        await gateway.shutdown()
    }

    @Test func readyIsReady() async throws {
        let gateway = try await TestGateway.start(upstream: nil)
        let response = try await gateway.fetch("GET", "/ready")
        #expect(response.status == 200)
        #expect(response.bodyString == #"{"status":"ready"}"#)
        GatewayExpect.standardCORS(response, "")
        await gateway.shutdown()
    }

    @Test func healthRejectsOtherMethods() async throws {
        let gateway = try await TestGateway.start(upstream: nil)
        let response = try await gateway.fetch("POST", "/health", headers: [CoreProxy.auth], body: [1])
        GatewayExpect.error(response, status: 405, code: "method_not_allowed")
        #expect(response.header("Allow")?.contains("GET") == true)
        await gateway.shutdown()
    }

    @Test func readyTurns503WhileDraining() async throws {
        // A delay long enough that a loaded test run still polls, and fetches /health, inside it.
        // (3 s was too short under AddressSanitizer, 6 s beside two CPU hogs.)
        let gateway = try await TestGateway.start(upstream: nil) { $0.shutdownDelaySeconds = 15 }
        let shutdown = Task { await gateway.shutdown() }
        var ready: RawHTTPResponse? = nil
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let response = try await gateway.fetch("GET", "/ready")
            if response.status == 503 {
                ready = response
                break
            }
            #expect(response.status == 200)
            await Task.yield()
        }
        let draining = try #require(ready, "/ready never turned 503")
        #expect(draining.bodyString == #"{"status":"draining"}"#)
        GatewayExpect.standardCORS(draining, "")
        // Still serving during SHUTDOWN_DELAY_SECONDS.
        let health = try await gateway.fetch("GET", "/health")
        #expect(health.status == 200)
        await shutdown.value
    }

    @Test func shutdownDrainsInFlightRequest() async throws {
        // The head must come after shutdown has told the connection to drain (microseconds when
        // idle; on a loaded CI machine 500 ms was once not enough), and well within the 5 s grace.
        // Response timeout and grace far above the delay: beside CPU hogs the shared event loops
        // once took over 5 s to carry the 2 s answer (a 504 from the default test timeout).
        let upstream = try await TestUpstream.start { _ in .delayHead(.seconds(2), then: .text("finished")) }
        let gateway = try await TestGateway.start(upstream: upstream.url) {
            $0.upstreamResponseTimeoutMilliseconds = 30_000
            $0.shutdownGraceSeconds = 30
        }
        let client = try await RawHTTPClient.connect(port: gateway.port)
        try await client.send(RawHTTPClient.request("GET", "/api/v1/conversations/1", headers: [CoreProxy.auth]))
        try await upstream.waitForRequests(1)
        let shutdown = Task { await gateway.shutdown() }
        let response = try await client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyString == "finished")
        #expect(response.header("Connection")?.lowercased() == "close")
        #expect(await client.isClosed(within: .seconds(15)))
        await shutdown.value
        try await upstream.shutdown()
    }

    @Test func shutdownClosesIdleKeepAliveAndStopsAccepting() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await TestGateway.start(upstream: upstream.url)
        let client = try await RawHTTPClient.connect(port: gateway.port)
        let response = try await client.exchange("GET", "/api/v1/conversations/1", headers: [CoreProxy.auth])
        #expect(response.status == 200)
        let shutdown = Task { await gateway.shutdown() }
        #expect(await client.isClosed(within: .seconds(3)), "idle keep-alive left open during shutdown")
        await shutdown.value
        await #expect(throws: (any Error).self) {
            let late = try await RawHTTPClient.connect(port: gateway.port)
            await late.close()
        }
        try await upstream.shutdown()
    }
}
