import GatewayCore
import Testing

/// UPSTREAM_RESPONSE_TIMEOUT_MS counts from the end of the request: an upload that takes longer
/// than it (but keeps moving) is not answered 504.
@Suite struct SlowUploadTests {
    @Test func uploadSlowerThanTheResponseTimeoutStillSucceeds() async throws {
        try await TestGateway.withUpstream(configure: { $0.upstreamResponseTimeoutMilliseconds = 2000 }) {
            gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            let body = Array(repeating: UInt8(ascii: "x"), count: 4)
            try await client.send(
                RawHTTPClient.request(
                    "POST", "/api/v1/conversations", headers: [CoreProxy.auth, ("Content-Length", "4")]))
            // The client is slow on purpose: its body trickles in over ~4 s, twice the timeout; the
            // timeout itself is generous so that a loaded machine still answers within it.
            for byte in body {
                try await Task.sleep(for: .milliseconds(1000))
                try await client.send([byte])
            }
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(try await upstream.waitForRequests(1)[0].bodyCount == 4)
            await client.close()
        }
    }
}
