import Foundation
import GatewayCore
import Testing

/// SPEC §12: 64 MiB both ways, intact (compared by SHA-256).
@Suite struct LargeBodyTests {
    static let size = 64 * 1024 * 1024

    @Test(arguments: [false, true])
    func uploadArrivesIntact(chunked: Bool) async throws {
        try await TestGateway.withUpstream(retainBodyLimit: 1024) { gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            let framing = chunked ? ("Transfer-Encoding", "chunked") : ("Content-Length", String(Self.size))
            var pending = RawHTTPClient.request("POST", "/api/v1/ingest/csv", headers: [CoreProxy.auth, framing])
            for block in CoreProxy.patternBlocks(size: Self.size) {
                if chunked {
                    pending += Array((String(block.count, radix: 16) + "\r\n").utf8) + block + [13, 10]
                } else {
                    pending += block
                }
                if pending.count >= 1 << 20 {
                    try await client.send(pending)
                    pending = []
                }
            }
            if chunked { pending += Array("0\r\n\r\n".utf8) }
            try await client.send(pending)
            let response = try await client.readResponse(timeout: .seconds(120))
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.uri == "/ingest/operator/csv")
            #expect(recorded.bodyCount == Self.size)
            #expect(recorded.bodySHA256 == LargeBodyPattern.sha256(size: Self.size))
            await client.close()
        }
    }

    @Test(arguments: [false, true])
    func downloadArrivesIntact(chunked: Bool) async throws {
        try await TestGateway.withUpstream(handler: { _ in .largeBody(size: Self.size, chunked: chunked) }) {
            gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(RawHTTPClient.request("GET", "/api/v1/entities/export", headers: [CoreProxy.auth]))
            let response = try await client.readResponse(timeout: .seconds(120), retainBody: false)
            #expect(response.status == 200)
            #expect(response.bodyCount == Self.size)
            #expect(response.bodySHA256 == LargeBodyPattern.sha256(size: Self.size))
            if !chunked { #expect(response.framing == .contentLength(Self.size)) }
            await client.close()
        }
    }
}
