import GatewayCore
import NIOCore
import NIOHTTP2
import Testing

/// SPEC §10: a body upload that makes no progress for the progress timeout (60 s in production,
/// one second here) is closed, while a moving one is not.
@Suite struct ProgressTimeoutTests {
    @Test func stalledUploadIsCutOff() async throws {
        try await TestGateway.withUpstream(configure: { $0.progressTimeoutSeconds = 1 }) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(
                RawHTTPClient.request(
                    "POST", "/api/v1/conversations", headers: [CoreProxy.auth, ("Content-Length", "10")]))
            try await client.send(Array("ab".utf8))
            // Eight of the ten promised bytes never come.
            #expect(await client.isClosed(within: .seconds(15)))
        }
    }

    @Test(
        "an upload whose first body byte never comes is cut off too, forwarded or answered locally",
        arguments: ["/api/v1/conversations", "/api/v1/no-such-route"])
    func uploadThatNeverStartsIsCutOff(path: String) async throws {
        try await TestGateway.withUpstream(configure: { $0.progressTimeoutSeconds = 1 }) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(
                RawHTTPClient.request("POST", path, headers: [CoreProxy.auth, ("Content-Length", "10")]))
            #expect(await client.isClosed(within: .seconds(15)))
        }
    }

    /// Over HTTP/2 the stalled upload's stream is reset (CANCEL); the connection and its other
    /// streams go on.
    @Test(.timeLimit(.minutes(1))) func stalledHTTP2UploadResetsOnlyItsStream() async throws {
        try await TestGateway.withUpstream(configure: { $0.progressTimeoutSeconds = 1 }) { gateway, _ in
            let client = try await H2TestClient.connect(port: gateway.port)
            let block = H2TestClient.block(
                "POST", "/api/v1/conversations", headers: [CoreProxy.auth, ("content-length", "10")], scheme: "http")
            await #expect(throws: H2TestClient.StreamReset(code: .cancel)) {
                // Eight of the ten promised bytes never come.
                try await client.request(block: block, body: Array("ab".utf8), ending: false)
            }
            let next = try await client.request(
                "GET", "/api/v1/conversations", headers: [CoreProxy.auth], scheme: "http")
            #expect(next.status == 200)
            await client.close()
        }
    }

    /// Over HTTP/2, an upstream that stops reading the body: the gateway holds the client's frames
    /// and its window, the upload stops moving, and its stream is reset after the progress timeout
    /// while the connection serves on.
    @Test(.timeLimit(.minutes(1))) func http2UploadToAnUpstreamThatStopsReadingIsReset() async throws {
        let upstream = try await StalledUpstream.start()
        let gateway = try await TestGateway.start(upstream: "http://127.0.0.1:\(upstream.localAddress!.port!)") {
            $0.progressTimeoutSeconds = 1
        }
        let client = try await H2TestClient.connect(port: gateway.port)
        let block = H2TestClient.block(
            "POST", "/api/v1/conversations", headers: [CoreProxy.auth, ("content-length", "\(16 << 20)")],
            scheme: "http")
        await #expect(throws: H2TestClient.StreamReset(code: .cancel)) {
            try await client.request(block: block, body: Array(repeating: 7, count: 16 << 20))
        }
        #expect(try await client.request("GET", "/health", scheme: "http").status == 200)
        await client.close()
        await gateway.shutdown()
        try await upstream.close()
    }
}
