import GatewayCore
import NIOConcurrencyHelpers
import Testing

/// Upstream keep-alive: a pooled connection the upstream dropped as the gateway reused it is
/// retried once on a fresh connection, since nothing of the request reached the upstream.
@Suite struct UpstreamReuseTests {
    @Test func requestOnADroppedKeptAliveConnectionIsRetriedOnAFreshOne() async throws {
        let seenOnFirstConnection = NIOLockedValueBox(0)
        try await TestGateway.withUpstream(handler: { request in
            guard request.connectionNumber == 1 else { return .json(#"{"fresh":true}"#) }
            let count = seenOnFirstConnection.withLockedValue { n in
                n += 1
                return n
            }
            // The first answer keeps the connection alive; the second request on it is dropped.
            return count == 1 ? .json(#"{"first":true}"#) : .closeWithoutResponse
        }) { gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(RawHTTPClient.request("GET", "/api/v1/conversations/1", headers: [CoreProxy.auth]))
            #expect(try await client.readResponse().status == 200)
            try await client.send(RawHTTPClient.request("GET", "/api/v1/conversations/2", headers: [CoreProxy.auth]))
            let second = try await client.readResponse()
            #expect(second.status == 200)
            #expect(second.bodyString == #"{"fresh":true}"#)
            let requests = try await upstream.waitForRequests(3)
            #expect(requests.map(\.connectionNumber) == [1, 1, 2])
            await client.close()
        }
    }
}
