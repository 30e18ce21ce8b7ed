import GatewayCore
import Testing

/// UPSTREAM_RESPONSE_TIMEOUT_MS counts from the end of the request: an upload that takes longer
/// than it (but keeps moving) is not answered 504.
@Suite struct SlowUploadTests {
    @Test func uploadSlowerThanTheResponseTimeoutStillSucceeds() async throws {
        try await TestGateway.withUpstream(configure: { $0.upstreamResponseTimeoutMilliseconds = 5000 }) {
            gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            let body = Array(repeating: UInt8(ascii: "x"), count: 4)
            try await client.send(
                RawHTTPClient.request(
                    "POST", "/api/v1/conversations", headers: [CoreProxy.auth, ("Content-Length", "4")]))
            // The client is slow on purpose: its body trickles in over ~8 s, longer than the timeout;
            // the timeout itself is generous so that a loaded machine still answers within it (2 s
            // was not, beside two CPU hogs).
            for byte in body {
                try await Task.sleep(for: .milliseconds(2000))
                try await client.send([byte])
            }
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(try await upstream.waitForRequests(1)[0].bodyCount == 4)
            await client.close()
        }
    }
}
