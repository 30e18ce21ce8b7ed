import Foundation
import GatewayCore
import Testing

/// SPEC §10: an upstream `Location` under base URL + internal prefix becomes the public prefix.
@Suite struct LocationRewriteTests {
    @Test func locationUnderInternalPrefixIsRewritten() async throws {
        let upstream = try await TestUpstream.start()
        let location = "http://127.0.0.1:\(upstream.port)/conversations/9"
        upstream.setHandler { _ in .respond(status: 201, headers: [("Location", location)]) }
        let gateway = try await TestGateway.start(upstream: upstream.url)
        let response = try await gateway.fetch("POST", "/api/v1/conversations", headers: [CoreProxy.auth], body: [1])
        #expect(response.status == 201)
        #expect(response.header("Location") == "/api/v1/conversations/9")
        await gateway.shutdown()
        try await upstream.shutdown()
    }

    @Test func locationUnderBasePathIsRewritten() async throws {
        let upstream = try await TestUpstream.start()
        let location = "http://127.0.0.1:\(upstream.port)/v2/managed-entities/5?x=1"
        upstream.setHandler { _ in .respond(status: 303, headers: [("Location", location)]) }
        let gateway = try await TestGateway.start(upstream: upstream.url + "/v2")
        let response = try await gateway.fetch("POST", "/api/v1/entities", headers: [CoreProxy.auth], body: [1])
        #expect(response.status == 303)
        #expect(response.header("Location") == "/api/v1/entities/5?x=1")
        await gateway.shutdown()
        try await upstream.shutdown()
    }

    @Test(arguments: [
        "https://elsewhere.example/conversations/9", "/somewhere/else", "http://127.0.0.1:1/conversations/9",
    ])
    func foreignLocationIsLeftAlone(location: String) async throws {
        try await TestGateway.withUpstream(handler: { _ in .respond(status: 302, headers: [("Location", location)]) }) {
            gateway, _ in
            let response = try await gateway.fetch("GET", "/api/v1/conversations/1", headers: [CoreProxy.auth])
            #expect(response.status == 302)
            #expect(response.header("Location") == location)
        }
    }

    @Test func locationAsAPathUnderTheInternalPrefixIsRewritten() async throws {
        try await TestGateway.withUpstream(handler: { _ in
            .respond(status: 302, headers: [("Location", "/conversations/9?a=b")])
        }) {
            gateway, _ in
            let response = try await gateway.fetch("GET", "/api/v1/conversations/1", headers: [CoreProxy.auth])
            #expect(response.header("Location") == "/api/v1/conversations/9?a=b")
        }
    }

    /// Only whole segments of the prefix count, and `//host` is a network path, not a path.
    @Test(arguments: ["/conversationsX/9", "//127.0.0.1/conversations/9"])
    func lookalikeLocationIsLeftAlone(location: String) async throws {
        try await TestGateway.withUpstream(handler: { _ in .respond(status: 302, headers: [("Location", location)]) }) {
            gateway, _ in
            let response = try await gateway.fetch("GET", "/api/v1/conversations/1", headers: [CoreProxy.auth])
            #expect(response.header("Location") == location)
        }
    }
}
