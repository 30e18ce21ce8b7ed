import NIOCore
import NIOHTTP2
import Testing

@testable import GatewayCore

/// The receive windows the gateway gives an HTTP/2 client (`HTTP2Windows`) and what it holds
/// within them (`HTTP2InboundBody`), over h2c.
@Suite struct HTTP2WindowTests {
    /// The frames the gateway has sent on `client` once `done` holds for them (10 s at most).
    static func frames(
        from client: RawHTTPClient, until done: ([H2Frames.Frame]) -> Bool
    ) async throws -> [H2Frames.Frame] {
        var bytes: [UInt8] = []
        while !done(H2Frames.parse(bytes)), let received = try await client.nextBytes() { bytes += received.bytes }
        return H2Frames.parse(bytes)
    }

    /// SETTINGS carry the stream's window, and the connection's (64 KiB by the RFC, whatever
    /// SETTINGS say) is opened with them, before the client sends any DATA.
    @Test func theWindowsOpenWithThePreface() async throws {
        try await TestGateway.withUpstream { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(H2Frames.start())
            let windows = HTTP2Windows()
            let frames = try await Self.frames(from: client) { frames in
                frames.contains { $0.kind == H2Frames.Kind.windowUpdate.rawValue }
                    && frames.contains { $0.kind == H2Frames.Kind.settings.rawValue && $0.flags == 0 }
            }
            let settingsFrame = frames.first(where: { $0.kind == H2Frames.Kind.settings.rawValue && $0.flags == 0 })
            let settings: [UInt8] = settingsFrame?.payload ?? []
            let initialWindow = stride(from: 0, to: settings.count - 5, by: 6).compactMap { index -> UInt32? in
                guard settings[index] == 0 && settings[index + 1] == 4 else { return nil }
                return settings[(index + 2)...(index + 5)].reduce(0) { $0 << 8 | UInt32($1) }
            }
            #expect(initialWindow == [UInt32(windows.stream)])
            let update = frames.first(where: { $0.kind == H2Frames.Kind.windowUpdate.rawValue })
            #expect(update?.stream == 0)
            #expect(update.map { $0.payload.reduce(0) { $0 << 8 | Int($1) } } == windows.connection - 65_535)
            await client.close()
        }
    }

    /// A body sent one byte per DATA frame arrives whole and in order (joined on its way up).
    @Test func aBodyInOneByteFramesArrivesWhole() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            let body = (0..<3000).map { UInt8(truncatingIfNeeded: $0 % 251) }
            let bytes = H2Frames.start() + H2Frames.postInOneByteFrames(body, authorization: CoreProxy.auth.1)
            try await client.send(bytes)
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.method == "POST")
            #expect(recorded.body == body)
            let frames = try await Self.frames(from: client) { frames in
                frames.contains { $0.stream == 1 && $0.flags & H2Frames.endStream != 0 }
            }
            #expect(!frames.contains { $0.kind == H2Frames.Kind.rstStream.rawValue })
            await client.close()
        }
    }

    /// Trailers after small DATA frames: the joined body goes on before them. All come in one
    /// read while the stream waits for its upstream's connection, so body and trailers are held
    /// and handed on at resume (the order when they come to a forwarding stream is not reached).
    @Test func trailersFollowAJoinedBody() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            let body = (0..<100).map { UInt8(truncatingIfNeeded: $0 + 7) }
            // x-checksum: abc, a literal without indexing.
            let trailers: [UInt8] = [0x00] + H2Frames.literal("x-checksum") + H2Frames.literal("abc")
            try await client.send(
                H2Frames.start()
                    + H2Frames.postInOneByteFrames(body, authorization: CoreProxy.auth.1, trailers: trailers))
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.body == body)
            let frames = try await Self.frames(from: client) { frames in
                frames.contains { $0.stream == 1 && $0.flags & H2Frames.endStream != 0 }
                    || frames.contains { $0.kind == H2Frames.Kind.rstStream.rawValue }
            }
            #expect(!frames.contains { $0.kind == H2Frames.Kind.rstStream.rawValue })
            await client.close()
        }
    }

    /// Bytes a stream held for its stalled upstream go back to the connection's window when the
    /// stream ends: here they fill it, and the next upload on the connection could not move.
    @Test(.timeLimit(.minutes(1))) func heldBytesGoBackToTheConnectionWhenTheirStreamEnds() async throws {
        let stalled = try await StalledUpstream.start()
        let upstream = try await TestUpstream.start()
        var windows = HTTP2Windows()
        windows.stream = 16 << 20
        windows.connection = 4 << 20
        let gateway = try await TestGateway.start(upstream: "http://127.0.0.1:\(stalled.localAddress!.port!)") {
            $0.progressTimeoutSeconds = 1
            $0.http2Windows = windows
            $0.upstreams[.approval] = UpstreamURL(parsing: "http://127.0.0.1:\(upstream.port)")
        }
        let client = try await H2TestClient.connect(port: gateway.port)
        do {
            // The stalled upstream's socket takes a few MiB; the gateway holds the next 4 (the
            // connection's window) until the progress timeout resets the stream.
            let first = H2TestClient.block(
                "POST", "/api/v1/conversations", headers: [CoreProxy.auth, ("content-length", "\(16 << 20)")],
                scheme: "http")
            await #expect(throws: H2TestClient.StreamReset(code: .cancel)) {
                try await client.request(block: first, body: Array(repeating: 7, count: 16 << 20))
            }
            let second = H2TestClient.block(
                "POST", "/api/v1/approvals", headers: [CoreProxy.auth, ("content-length", "\(1 << 20)")],
                scheme: "http")
            let response = try await client.request(block: second, body: Array(repeating: 9, count: 1 << 20))
            #expect(response.status == 200)
            #expect(try await upstream.waitForRequests(1)[0].bodyCount == 1 << 20)
        } catch {
            Issue.record("\(error)")
        }
        await client.close()
        await gateway.shutdown()
        try await upstream.shutdown()
        try await stalled.close()
    }
}
