import Foundation
import GatewayCore
import NIOCore
import Testing

/// SPEC §11: upstream failures before the head are JSON errors; after it, an abrupt end.
@Suite struct UpstreamFailureTests {
    @Test func refusedUpstreamIs502() async throws {
        let gateway = try await TestGateway.start(upstream: nil)
        let response = try await gateway.fetch("GET", "/api/v1/conversations", headers: [CoreProxy.auth])
        GatewayExpect.error(response, status: 502, code: "bad_gateway")
        await gateway.shutdown()
    }

    @Test func noHeadWithinResponseTimeoutIs504() async throws {
        // 1 s: long enough for a loaded upstream to have read the request before the gateway gives up
        // and closes the connection (300 ms was not, beside two CPU hogs).
        let plan = UpstreamPlan.delayHead(.seconds(5), then: .json("{}"))
        try await TestGateway.withUpstream(
            handler: { _ in plan }, configure: { $0.upstreamResponseTimeoutMilliseconds = 1_000 }
        ) {
            gateway, upstream in
            let response = try await gateway.fetch("GET", "/api/v1/conversations", headers: [CoreProxy.auth])
            GatewayExpect.error(response, status: 504, code: "gateway_timeout")
            #expect(try await upstream.waitForRequests(1).count == 1)
        }
    }

    @Test func garbageBeforeHeadIs502() async throws {
        try await TestGateway.withUpstream(handler: { _ in .raw(Array("garbage\r\n\r\n".utf8)) }) { gateway, _ in
            let response = try await gateway.fetch("GET", "/api/v1/conversations", headers: [CoreProxy.auth])
            GatewayExpect.error(response, status: 502, code: "bad_gateway")
        }
    }

    @Test func closeWithoutResponseIs502() async throws {
        try await TestGateway.withUpstream(handler: { _ in .closeWithoutResponse }) { gateway, _ in
            let response = try await gateway.fetch("GET", "/api/v1/conversations", headers: [CoreProxy.auth])
            GatewayExpect.error(response, status: 502, code: "bad_gateway")
        }
    }

    @Test func resetAfterHeadWithLengthEndsClientResponseShort() async throws {
        try await TestGateway.withUpstream(handler: { _ in
            .resetAfterHead(status: 200, promisedLength: 1024, sentBytes: 16)
        }) {
            gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(RawHTTPClient.request("GET", "/api/v1/conversations", headers: [CoreProxy.auth]))
            let head = try await client.readHead()
            #expect(head.status == 200)
            #expect(head.framing == .contentLength(1024))
            var received = 0
            await #expect(throws: RawHTTPError.self) {
                while let piece = try await client.readChunk() { received += piece.bytes.count }
            }
            #expect(received < 1024)
            #expect(await client.isClosed(within: .seconds(15)))
        }
    }

    @Test func resetInsideChunkedBodyHasNoTerminatingChunk() async throws {
        let partial = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n".utf8)
        try await TestGateway.withUpstream(handler: { _ in .raw(partial) }) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(RawHTTPClient.request("GET", "/api/v1/conversations", headers: [CoreProxy.auth]))
            let head = try await client.readHead()
            #expect(head.status == 200)
            #expect(head.framing == .chunked)
            let first = try await client.readChunk()
            #expect(first?.string == "hello")
            await #expect(throws: RawHTTPError.self) {
                _ = try await client.readChunk()
            }
            #expect(await client.isClosed(within: .seconds(15)))
        }
    }

    @Test func resetBeforeHeadIsNeverAFalse200() async throws {
        let partialHead = Array("HTTP/1.1 200 OK\r\nContent-Len".utf8)
        try await TestGateway.withUpstream(handler: { _ in .raw(partialHead) }) { gateway, _ in
            let response = try await gateway.fetch("GET", "/api/v1/conversations", headers: [CoreProxy.auth])
            GatewayExpect.error(response, status: 502, code: "bad_gateway")
        }
    }
}
