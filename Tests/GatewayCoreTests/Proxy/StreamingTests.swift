import Foundation
import GatewayCore
import NIOCore
import Testing

/// SPEC §12: responses without Content-Length reach the client chunk by chunk.
@Suite struct StreamingTests {
    @Test func sseArrivesEventByEvent() async throws {
        let interval = TimeAmount.milliseconds(200)
        try await CoreProxy.run(handler: { _ in .events(count: 5, interval: interval) }) { gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(
                RawHTTPClient.request("GET", "/api/v1/agents/a1/stream/c1", headers: [CoreProxy.auth, ("Accept", "text/event-stream")]))
            let head = try await client.readHead()
            #expect(head.status == 200)
            #expect(head.header("Content-Type") == "text/event-stream")
            #expect(head.header("Content-Encoding") == nil)
            var events: [SSEEvent] = []
            while let event = try await client.nextEvent() { events.append(event) }
            #expect(events.map(\.id) == ["1", "2", "3", "4", "5"])
            #expect(events.map(\.data) == (1...5).map { #"{"n":\#($0)}"# })
            if let first = events.first, let last = events.last {
                // 4 intervals of 200 ms upstream; buffering would deliver all at once.
                #expect(last.arrival - first.arrival >= .milliseconds(400), "\(last.arrival - first.arrival)")
            }
            #expect(try await upstream.waitForRequests(1)[0].uri == "/conversations/c1/stream")
            await client.close()
        }
    }

    @Test func chunkedAgentOutputIsNotBuffered() async throws {
        let chunks = (0..<4).map { UpstreamChunk("part\($0);", after: $0 == 0 ? .zero : .milliseconds(200)) }
        try await CoreProxy.run(handler: { _ in .stream(headers: [("Content-Type", "application/x-ndjson")], chunks: chunks) }) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(RawHTTPClient.request("POST", "/api/v1/agents/a1/execute", headers: [CoreProxy.auth], body: Array("{}".utf8)))
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.bodyString == "part0;part1;part2;part3;")
            let arrivals = response.chunkArrivals
            if let first = arrivals.first, let last = arrivals.last {
                // 3 intervals of 200 ms; a loaded run may deliver the first late, so ask for one.
                #expect(last - first >= .milliseconds(200), "\(last - first)")
            }
            await client.close()
        }
    }

    @Test func firstEventArrivesWhileUpstreamStillStreaming() async throws {
        // The upstream waits 1 s after the first event; the client must have it before that.
        let chunks = [UpstreamChunk("data: first\n\n"), UpstreamChunk("data: second\n\n", after: .seconds(1))]
        try await CoreProxy.run(handler: { _ in .stream(headers: [("Content-Type", "text/event-stream")], chunks: chunks) }) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(RawHTTPClient.request("GET", "/api/v1/workspaces/w1/events", headers: [CoreProxy.auth]))
            _ = try await client.readHead()
            let first = try #require(try await client.nextEvent())
            let second = try #require(try await client.nextEvent())
            #expect(first.data == "first")
            #expect(second.data == "second")
            #expect(second.arrival - first.arrival >= .milliseconds(500), "\(second.arrival - first.arrival)")
            await client.close()
        }
    }

    @Test func clientDisconnectClosesTheUpstreamConnection() async throws {
        try await CoreProxy.run(handler: { _ in .events(count: 1000, interval: .milliseconds(50)) }) { gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(RawHTTPClient.request("GET", "/api/v1/agents/a1/stream/c1", headers: [CoreProxy.auth]))
            _ = try await client.readHead()
            _ = try #require(try await client.nextEvent())
            #expect(upstream.connectionsClosed == 0)
            await client.close()
            try await upstream.waitForClosedConnections(1, timeout: .seconds(5))
        }
    }

    @Test func upstreamConnectionIsReusedForSequentialRequests() async throws {
        try await CoreProxy.run { gateway, upstream in
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
