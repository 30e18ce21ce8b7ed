import GatewayCore
import NIOCore
import Testing

/// SPEC §13: after SHUTDOWN_GRACE_SECONDS whatever is still open is closed, streams included, and
/// shutdown returns.
@Suite struct ShutdownGraceTests {
    @Test func streamStillOpenAfterTheGraceIsClosed() async throws {
        // Fifty events 200 ms apart: ten seconds of stream, far beyond a one-second grace.
        try await TestGateway.withUpstream(
            handler: { _ in .events(count: 50, interval: .milliseconds(200)) },
            configure: { $0.shutdownGraceSeconds = 1 }
        ) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(
                RawHTTPClient.request("GET", "/api/v1/agents/a1/stream/c1", headers: [CoreProxy.auth]))
            #expect(try await client.readHead().status == 200)
            #expect(try await client.nextEvent() != nil)
            let shutdown = Task { await gateway.shutdown() }
            #expect(await client.isClosed(within: .seconds(15)))
            let finished = Task {
                await shutdown.value
                return true
            }
            let outcome = await withTaskGroup(of: Bool.self) { group in
                group.addTask { await finished.value }
                group.addTask {
                    try? await Task.sleep(for: .seconds(5))
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            #expect(outcome, "shutdown did not return after the grace period")
            await client.close()
        }
    }
}
