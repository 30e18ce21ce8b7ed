import GatewayCore
import NIOCore
import Testing

/// `aegis_open_streams` and `aegis_in_flight_requests` follow a streamed response (SPEC §12, §13).
@Suite("Metrics: open streams gauge")
struct OpenStreamsGaugeTests {
    /// An SSE upstream that sends one event, then holds the stream open (until it is shut down).
    private static func heldStream() async throws -> TestUpstream {
        try await TestUpstream.start { _ in
            .stream(
                headers: [("Content-Type", "text/event-stream")],
                chunks: [UpstreamChunk("id: 1\ndata: first\n\n"), UpstreamChunk("", after: .seconds(60))],
                untilClose: true)
        }
    }

    private static func openStream(_ gateway: TestGateway) async throws -> RawHTTPClient {
        let client = try await RawHTTPClient.connect(port: gateway.port)
        try await client.send(
            RawHTTPClient.request("GET", "/api/v1/agents/a1/stream/c1", headers: [TestGateway.bearer()]))
        let head = try await client.readHead()
        try #require(head.status == 200)
        let first = try await client.nextEvent()
        try #require(first?.data == "first")
        return client
    }

    @Test("1 while an SSE stream is open through the gateway, 0 after the upstream ends it")
    func upstreamEndsStream() async throws {
        let upstream = try await Self.heldStream()
        let gateway = try await TestGateway.start(upstream: upstream.url, withMetrics: true)
        let client = try await Self.openStream(gateway)

        let during = try await gateway.scrapeMetrics()
        #expect(during.value("aegis_open_streams") == 1, "\(during.text)")
        #expect(during.value("aegis_in_flight_requests") == 1, "\(during.text)")

        try await upstream.shutdown()  // ends the close-delimited body: a normal end of stream
        #expect(try await client.nextEvent() == nil)

        let after = try await gateway.scrapeMetrics()
        #expect(after.value("aegis_open_streams") == 0, "\(after.text)")
        #expect(after.value("aegis_in_flight_requests") == 0, "\(after.text)")
        #expect(
            after.value(
                "aegis_requests_total",
                [
                    "route": "/api/v1/agents/{id}/stream/{conv_id}", "service": "orchestration", "method": "GET",
                    "status": "200",
                ]) == 1, "\(after.text)")
        await client.close()
        await gateway.shutdown()
    }

    @Test("0 again once the client walks away from an open stream")
    func clientLeaves() async throws {
        let upstream = try await Self.heldStream()
        let gateway = try await TestGateway.start(upstream: upstream.url, withMetrics: true)
        let client = try await Self.openStream(gateway)
        #expect(try await gateway.scrapeMetrics().value("aegis_open_streams") == 1)

        await client.close()
        // The gateway drops its upstream request when the client goes: wait for that close.
        try await upstream.waitForClosedConnections(1)

        let after = try await gateway.scrapeMetrics()
        #expect(after.value("aegis_open_streams") == 0, "\(after.text)")
        #expect(after.value("aegis_in_flight_requests") == 0, "\(after.text)")
        await gateway.shutdown()
        try await upstream.shutdown()
    }
}
