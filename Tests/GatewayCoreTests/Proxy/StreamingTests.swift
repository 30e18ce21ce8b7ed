import Foundation
import GatewayCore
import NIOCore
import Testing

/// SPEC §12: responses without Content-Length reach the client chunk by chunk.
@Suite struct StreamingTests {
    @Test func sseStreamIsRelayedWholeWithItsHeaders() async throws {
        try await TestGateway.withUpstream(handler: { _ in .events(count: 5, interval: .milliseconds(20)) }) {
            gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(
                RawHTTPClient.request(
                    "GET", "/api/v1/agents/a1/stream/c1", headers: [CoreProxy.auth, ("Accept", "text/event-stream")]))
            let head = try await client.readHead()
            #expect(head.status == 200)
            #expect(head.header("Content-Type") == "text/event-stream")
            #expect(head.header("Content-Encoding") == nil)
            var events: [SSEEvent] = []
            while let event = try await client.nextEvent() { events.append(event) }
            #expect(events.map(\.id) == ["1", "2", "3", "4", "5"])
            #expect(events.map(\.data) == (1...5).map { #"{"n":\#($0)}"# })
            #expect(try await upstream.waitForRequests(1)[0].uri == "/conversations/c1/stream")
            await client.close()
        }
    }

    // The two tests below need no clock: the upstream holds the rest of its body for an hour, so a
    // gateway that buffered would never hand the client the first part.

    @Test func chunkedAgentOutputIsNotBuffered() async throws {
        let chunks = [UpstreamChunk("part0;"), UpstreamChunk("part1;", after: .hours(1))]
        try await TestGateway.withUpstream(handler: { _ in
            .stream(headers: [("Content-Type", "application/x-ndjson")], chunks: chunks)
        }) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(
                RawHTTPClient.request(
                    "POST", "/api/v1/agents/a1/execute", headers: [CoreProxy.auth], body: Array("{}".utf8)))
            let head = try await client.readHead()
            #expect(head.status == 200)
            #expect(head.framing == .chunked)
            var body = ""
            while !body.contains("part0;"), let bytes = try await client.nextBytes() { body += bytes.string }
            #expect(body == "6\r\npart0;\r\n")
            await client.close()
        }
    }

    @Test func firstEventArrivesWhileUpstreamStillStreaming() async throws {
        let chunks = [UpstreamChunk("data: first\n\n"), UpstreamChunk("data: second\n\n", after: .hours(1))]
        try await TestGateway.withUpstream(handler: { _ in
            .stream(headers: [("Content-Type", "text/event-stream")], chunks: chunks)
        }) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(
                RawHTTPClient.request("GET", "/api/v1/workspaces/w1/events", headers: [CoreProxy.auth]))
            _ = try await client.readHead()
            let first = try #require(try await client.nextEvent())
            #expect(first.data == "first")
            await client.close()
        }
    }

    /// SPEC §12: UPSTREAM_RESPONSE_TIMEOUT_MS is the wait for the head; a stream may last longer.
    @Test func streamOutlivesTheResponseTimeout() async throws {
        try await TestGateway.withUpstream(
            // The stream (10 s) lasts longer than the timeout (8 s); the timeout is long enough for a
            // loaded run (the suite's in-process servers share two event loops; beside two CPU hogs
            // 3 s was not).
            handler: { _ in .events(count: 3, interval: .milliseconds(5000)) },
            configure: { $0.upstreamResponseTimeoutMilliseconds = 8000 }
        ) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(
                RawHTTPClient.request("GET", "/api/v1/agents/a1/stream/c1", headers: [CoreProxy.auth]))
            let head = try await client.readHead()
            #expect(head.status == 200, "\(head.status)")
            let events = try await client.readAllEvents()
            #expect(events.map(\.id) == ["1", "2", "3"])
            await client.close()
        }
    }

    @Test func clientDisconnectClosesTheUpstreamConnection() async throws {
        try await TestGateway.withUpstream(handler: { _ in .events(count: 1000, interval: .milliseconds(50)) }) {
            gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(
                RawHTTPClient.request("GET", "/api/v1/agents/a1/stream/c1", headers: [CoreProxy.auth]))
            _ = try await client.readHead()
            _ = try #require(try await client.nextEvent())
            #expect(upstream.connectionsClosed == 0)
            await client.close()
            try await upstream.waitForClosedConnections(1, timeout: .seconds(5))
        }
    }

    @Test func upstreamConnectionIsReusedForSequentialRequests() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            let a = try await client.exchange("GET", "/api/v1/conversations/1", headers: [CoreProxy.auth])
            let b = try await client.exchange("GET", "/api/v1/conversations/2", headers: [CoreProxy.auth])
            #expect(a.status == 200)
            #expect(b.status == 200)
            let recorded = try await upstream.waitForRequests(2)
            #expect(recorded.map(\.connectionNumber) == [1, 1])
            #expect(upstream.connectionsAccepted == 1)
            await client.close()
        }
    }
}
