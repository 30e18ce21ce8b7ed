import Foundation
import GatewayCore
import Testing

/// SPEC §10 headers the upstream gets: hop-by-hop removed, Host, X-Forwarded-*, traces.
@Suite struct ForwardedHeaderTests {
    @Test func hopByHopHeadersAreNotForwarded() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let response = try await gateway.fetch(
                "GET", "/api/v1/conversations/1",
                headers: [
                    CoreProxy.auth,
                    ("Connection", "keep-alive, X-Custom-Hop"),
                    ("Connection", "x-other-hop"),
                    ("X-Custom-Hop", "1"), ("X-Other-Hop", "2"),
                    ("Keep-Alive", "timeout=5"), ("Proxy-Connection", "keep-alive"), ("TE", "trailers"),
                    ("Trailer", "X-Foo"), ("Upgrade", "h2c"), ("Proxy-Authorization", "Basic eDp5"),
                    ("Proxy-Authenticate", "Basic"),
                    ("X-Keep", "yes"),
                ])
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)[0]
            for name in [
                "X-Custom-Hop", "X-Other-Hop", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade",
                "Proxy-Authorization", "Proxy-Authenticate",
            ] {
                #expect(recorded.header(name) == nil, "\(name) forwarded")
            }
            #expect(recorded.headers(named: "Connection").allSatisfy { !$0.lowercased().contains("hop") })
            #expect(recorded.header("X-Keep") == "yes")
            #expect(recorded.header("Authorization") == CoreProxy.auth.1)
        }
    }

    @Test func connectionCannotRemoveProtectedHeaders() async throws {
        // One token for both the request and the assertion (a second mint may differ in `iat`).
        let auth = CoreProxy.auth
        try await TestGateway.withUpstream { gateway, upstream in
            let response = try await gateway.fetch(
                "POST", "/api/v1/conversations",
                headers: [
                    auth,
                    (
                        "Connection",
                        "authorization, x-request-id, x-forwarded-for, cookie, host, content-length, x-user-id, x-forwarded-proto"
                    ),
                    ("X-Request-ID", "req-keep-1"),
                    ("Cookie", "a=b"),
                ],
                body: Array("hello".utf8))
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.header("Authorization") == auth.1)
            #expect(recorded.header("X-Request-ID") == "req-keep-1")
            #expect(recorded.header("X-Forwarded-For") == "127.0.0.1")
            #expect(recorded.header("X-Forwarded-Proto") == "http")
            #expect(recorded.header("Cookie") == "a=b")
            #expect(recorded.header("Host") == "127.0.0.1:\(upstream.port)")
            #expect(recorded.header("X-User-ID") == "u1")
            #expect(recorded.bodyString == "hello")
            #expect(response.header("X-Request-ID") == "req-keep-1")
        }
    }

    @Test func untrustedPeerGetsItsOwnAddressOnly() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let response = try await gateway.fetch(
                "GET", "/api/v1/conversations",
                headers: [
                    CoreProxy.auth,
                    ("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-For", "5.6.7.8"),
                    ("Forwarded", "for=1.2.3.4;proto=https"), ("X-Real-IP", "1.2.3.4"),
                    ("X-Forwarded-Port", "99"), ("X-Forwarded-Prefix", "/evil"), ("X-Forwarded-Server", "evil"),
                    ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil.example"),
                    ("X_Forwarded_Scheme", "https"),
                ])
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.headers(named: "X-Forwarded-For") == ["127.0.0.1"])
            #expect(recorded.header("Forwarded") == nil)
            #expect(recorded.header("X-Real-IP") == nil)
            #expect(recorded.header("X-Forwarded-Port") == nil)
            #expect(recorded.header("X-Forwarded-Prefix") == nil)
            #expect(recorded.header("X-Forwarded-Server") == nil)
            #expect(recorded.headers(named: "X-Forwarded-Proto") == ["http"])
            #expect(recorded.headers(named: "X-Forwarded-Host") == ["gateway.test"])
            #expect(recorded.header("Host") == "127.0.0.1:\(upstream.port)")
        }
    }

    @Test func trustedPeerHasItsAddressAppended() async throws {
        try await TestGateway.withUpstream(configure: { $0.trustedProxies = [CIDR(parsing: "127.0.0.1")!] }) {
            gateway, upstream in
            let response = try await gateway.fetch(
                "GET", "/api/v1/conversations",
                headers: [
                    CoreProxy.auth,
                    ("X-Forwarded-For", "203.0.113.9, 10.0.0.1"), ("X-Forwarded-For", "10.0.0.2"),
                    ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "app.example"),
                ])
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)[0]
            let xff = recorded.headers(named: "X-Forwarded-For").joined(separator: ", ")
            let hops = xff.split(separator: ",").map { $0.trimmingSpaces() }
            #expect(hops == ["203.0.113.9", "10.0.0.1", "10.0.0.2", "127.0.0.1"])
            #expect(recorded.headers(named: "X-Forwarded-Proto") == ["https"])
            #expect(recorded.headers(named: "X-Forwarded-Host") == ["app.example"])
        }
    }

    @Test func trustedPeerWithoutXFFGetsPeer() async throws {
        try await TestGateway.withUpstream(configure: { $0.trustedProxies = [CIDR(parsing: "127.0.0.0/8")!] }) {
            gateway, upstream in
            let response = try await gateway.fetch("GET", "/api/v1/conversations", headers: [CoreProxy.auth])
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.headers(named: "X-Forwarded-For") == ["127.0.0.1"])
            #expect(recorded.headers(named: "X-Forwarded-Proto") == ["http"])
            #expect(recorded.headers(named: "X-Forwarded-Host") == ["gateway.test"])
        }
    }

    @Test func traceContextPassesThrough() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            let response = try await gateway.fetch(
                "GET", "/api/v1/conversations",
                headers: [
                    CoreProxy.auth, ("traceparent", traceparent), ("tracestate", "rojo=00f067aa0ba902b7,congo=t61"),
                ])
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.header("traceparent") == traceparent)
            #expect(recorded.header("tracestate") == "rojo=00f067aa0ba902b7,congo=t61")
        }
    }

    @Test func upstreamHopByHopResponseHeadersAreRemoved() async throws {
        let plan = UpstreamPlan.respond(
            headers: [
                ("Connection", "X-Secret-Hop"), ("X-Secret-Hop", "1"), ("Keep-Alive", "timeout=9"),
                ("Proxy-Authenticate", "Basic"), ("Upgrade", "h2c"), ("Trailer", "X-T"), ("X-Visible", "v"),
            ],
            body: Array("ok".utf8))
        try await TestGateway.withUpstream(handler: { _ in plan }) { gateway, _ in
            let response = try await gateway.fetch("GET", "/api/v1/conversations", headers: [CoreProxy.auth])
            #expect(response.status == 200)
            #expect(response.bodyString == "ok")
            for name in ["X-Secret-Hop", "Keep-Alive", "Proxy-Authenticate", "Upgrade", "Trailer"] {
                #expect(response.header(name) == nil, "\(name) passed to client")
            }
            #expect(response.header("X-Visible") == "v")
        }
    }

    @Test func fieldsTheUpstreamConnectionNamesAreRemovedEvenWhenRewritten() async throws {
        // Location is otherwise rewritten and passed on; named in Connection it is hop-by-hop.
        let plan = UpstreamPlan.respond(
            status: 302, headers: [("Connection", "Location"), ("Location", "/conversations/9"), ("X-Visible", "v")])
        try await TestGateway.withUpstream(handler: { _ in plan }) { gateway, _ in
            let response = try await gateway.fetch("GET", "/api/v1/conversations", headers: [CoreProxy.auth])
            #expect(response.status == 302)
            #expect(response.header("Location") == nil)
            #expect(response.headers(named: "Connection").allSatisfy { !$0.lowercased().contains("location") })
            #expect(response.header("X-Visible") == "v")
        }
    }

    @Test func upgradeRequestIsForwardedWithoutUpgrade() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let response = try await gateway.fetch(
                "GET", "/api/v1/workspaces/w1/ws",
                headers: [
                    CoreProxy.auth, ("Connection", "Upgrade"), ("Upgrade", "websocket"),
                    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
                ])
            #expect(response.status == 200)
            #expect(response.informational.isEmpty)
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.header("Upgrade") == nil)
            #expect(recorded.headers(named: "Connection").allSatisfy { !$0.lowercased().contains("upgrade") })
        }
    }

    @Test func upstream101IsNeverSentToTheClient() async throws {
        let switching = Array(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nrawframes".utf8)
        try await TestGateway.withUpstream(handler: { _ in .raw(switching) }) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(
                RawHTTPClient.request(
                    "GET", "/api/v1/workspaces/w1/ws",
                    headers: [CoreProxy.auth, ("Connection", "Upgrade"), ("Upgrade", "websocket")]))
            let bytes: [UInt8]
            do {
                let response = try await client.readResponse()
                #expect(response.status != 101)
                bytes = Array(response.rawHead.utf8)
            } catch RawHTTPError.closedBeforeHead(let received) {
                bytes = received
            }
            #expect(!HTTPHeadParser.latin1(bytes).contains(" 101 "))
            await client.close()
        }
    }
}
