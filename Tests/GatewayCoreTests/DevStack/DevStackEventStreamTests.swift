import DevStack
import GatewayCore
import NIOCore
import NIOPosix
import Testing

@Suite("DevStack SSE stand-in")
struct DevStackEventStreamTests {
    @Test(
        "orchestration streams numbered events, then ends cleanly",
        arguments: ["/conversations/c1/stream", "/workspaces/w1/sessions/s1/stream", "/workspaces/w2/stream?x=1"]
    )
    func eventsStreamThenEnd(path: String) async throws {
        let count = 5
        try await withDevStack(sseInterval: .milliseconds(10), sseEventCount: count) { stack in
            let client = try await RawHTTPClient.connect(port: stack.port(of: .orchestration))
            try await client.send(RawHTTPClient.request("GET", path, headers: [("Accept", "text/event-stream")]))
            let head = try await client.readHead()
            #expect(head.status == 200)
            #expect(head.header("Content-Type") == "text/event-stream")
            #expect(head.header("Cache-Control") == "no-cache")
            #expect(head.header("Content-Length") == nil)
            #expect(head.framing == .chunked)

            let events = try await client.readAllEvents(timeout: .seconds(10))
            #expect(events.map(\.id) == (1...count).map { String($0) })
            #expect(events.allSatisfy { $0.event == "message" })
            #expect(events.first?.data == #"{"n":1,"service":"orchestration"}"#)

            // The stream ended cleanly, so the connection serves the next request.
            let next = try await client.exchange("GET", "/conversations")
            #expect(try next.jsonObject()["service"] as? String == "orchestration")
            await client.close()
        }
    }

    @Test("stream paths elsewhere, and non-stream paths, get the echo")
    func onlyOrchestrationStreams() async throws {
        try await withDevStack { stack in
            let memory = try await RawHTTPClient.fetch(port: stack.port(of: .memory), "GET", "/conversations/c1/stream")
            #expect(memory.header("Content-Type") == "application/json")
            let plain = try await RawHTTPClient.fetch(
                port: stack.port(of: .orchestration), "GET", "/conversations/c1/streams")
            #expect(try plain.jsonObject()["path"] as? String == "/conversations/c1/streams")
        }
    }

    @Test("shutdown ends an open stream")
    func shutdownClosesStreams() async throws {
        let configuration = DevStackConfiguration(
            jwtSecret: devStackTestSecret, jwtIssuer: nil, sseInterval: .seconds(30))
        let stack = try await DevStack.start(configuration, group: MultiThreadedEventLoopGroup.singleton)
        let port = stack.port(of: .orchestration)
        let client = try await RawHTTPClient.connect(port: port)
        try await client.send(RawHTTPClient.request("GET", "/conversations/c1/stream"))
        _ = try await client.readHead()
        #expect(try await client.nextEvent()?.id == "1")
        try await stack.shutdown()
        #expect(await client.isClosed(within: .seconds(15)))
        await #expect(throws: (any Error).self) { try await RawHTTPClient.connect(port: port) }
    }
}
