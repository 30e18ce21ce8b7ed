import Foundation
import GatewayCore
import NIOCore
import Testing

/// SPEC §10 client-side timeouts and the connection cap.
@Suite struct ClientTimeoutTests {
    @Test func unfinishedHeadIsCutOffWhileOthersAreServed() async throws {
        try await TestGateway.withUpstream(configure: { $0.clientHeaderTimeoutSeconds = 1 }) { gateway, _ in
            let slow = try await RawHTTPClient.connect(port: gateway.port)
            try await slow.send("GET /api/v1/conversations HTTP/1.1\r\nHost: gateway.test\r\nX-Partial: ")
            let other = try await gateway.fetch("GET", "/api/v1/conversations", headers: [CoreProxy.auth])
            #expect(other.status == 200)
            #expect(await slow.isClosed(within: .seconds(15)), "slow head never cut off")
            await slow.close()
        }
    }

    @Test func drippedHeadIsCutOffAsAWhole() async throws {
        // One header byte every 200 ms for 20 s: the deadline (1 s) is for the whole head, not per
        // read, so the close comes long before the drip ends, even on a loaded machine.
        try await TestGateway.withUpstream(configure: { $0.clientHeaderTimeoutSeconds = 1 }) { gateway, _ in
            let slow = try await RawHTTPClient.connect(port: gateway.port)
            try await slow.send("GET /api/v1/conversations HTTP/1.1\r\nHost: gateway.test\r\nX-Drip: ")
            let drip = Task {
                for _ in 0..<100 {
                    try await Task.sleep(for: .milliseconds(200))
                    try await slow.send("a")
                }
            }
            #expect(await slow.isClosed(within: .seconds(15)), "dripping client kept alive past the head timeout")
            drip.cancel()
            await slow.close()
        }
    }

    @Test func idleKeepAliveIsClosed() async throws {
        try await TestGateway.withUpstream(configure: { $0.clientIdleTimeoutSeconds = 1 }) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            let response = try await client.exchange("GET", "/api/v1/conversations", headers: [CoreProxy.auth])
            #expect(response.status == 200)
            #expect(await client.isClosed(within: .seconds(15)), "idle keep-alive never closed")
            await client.close()
        }
    }

    @Test func slowStreamIsNotCutByIdleOrHeadTimeout() async throws {
        // 6 events 400 ms apart = 2 s of streaming with both client timeouts at 1 s.
        try await TestGateway.withUpstream(
            handler: { _ in .events(count: 6, interval: .milliseconds(400)) },
            configure: {
                $0.clientIdleTimeoutSeconds = 1
                $0.clientHeaderTimeoutSeconds = 1
            }
        ) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(
                RawHTTPClient.request("GET", "/api/v1/agents/a1/stream/c1", headers: [CoreProxy.auth]))
            _ = try await client.readHead()
            let events = try await client.readAllEvents()
            #expect(events.count == 6)
            await client.close()
        }
    }

    @Test func connectionsOverTheCapWaitUntilOneCloses() async throws {
        try await TestGateway.withUpstream(configure: { $0.maxConnections = 2 }) { gateway, _ in
            let a = try await RawHTTPClient.connect(port: gateway.port)
            let b = try await RawHTTPClient.connect(port: gateway.port)
            #expect(try await a.exchange("GET", "/api/v1/conversations/a", headers: [CoreProxy.auth]).status == 200)
            #expect(try await b.exchange("GET", "/api/v1/conversations/b", headers: [CoreProxy.auth]).status == 200)
            let c = try await RawHTTPClient.connect(port: gateway.port)
            try await c.send(RawHTTPClient.request("GET", "/api/v1/conversations/c", headers: [CoreProxy.auth]))
            await #expect(throws: TestTimeoutError.self, "third connection answered over the cap") {
                _ = try await c.readHead(timeout: .seconds(1))
            }
            await a.close()
            let response = try await c.readResponse(timeout: .seconds(5))
            #expect(response.status == 200)
            await b.close()
            await c.close()
        }
    }
}
