import DevStack
import Foundation
import GatewayCore
import Testing

/// The README quickstart, end to end: dev stand-ins behind a real gateway (SPEC §13).
@Suite("End to end: dev stack walk")
struct DevStackWalkTests {
    @Test("the dev login through the gateway returns a bearer token and an HttpOnly cookie")
    func login() async throws {
        try await DevWalk.run { walk in
            let response = try await walk.gateway.fetch(
                "POST", "/api/v1/auth/token", headers: [("Content-Type", "application/json")], body: DevWalk.loginBody)
            #expect(response.status == 200)
            let json = try response.jsonObject()
            let token = try #require(json["access_token"] as? String)
            #expect(json["token_type"] as? String == "Bearer")
            #expect(json["expires_in"] as? Int == 86_400)
            #expect(TestTokens.hasValidSignature(token, secret: TestGateway.secret))
            let cookie = try #require(response.header("Set-Cookie"))
            let attributes = cookie.split(separator: ";").map { $0.trimmingSpaces() }
            #expect(attributes.first == "aegis_token=\(token)", "\(cookie)")
            #expect(attributes.contains("HttpOnly"), "\(cookie)")
            #expect(attributes.contains("SameSite=Lax"), "\(cookie)")
            #expect(attributes.contains("Path=/"), "\(cookie)")
            #expect(response.header("X-Request-ID") != nil)
        }
    }

    @Test("a wrong password is 401 and sets no cookie")
    func wrongPassword() async throws {
        try await DevWalk.run { walk in
            let body = Array(#"{"email":"\#(DevCredentials.email)","password":"not-it"}"#.utf8)
            let response = try await walk.gateway.fetch(
                "POST", "/api/v1/auth/token", headers: [("Content-Type", "application/json")], body: body)
            #expect(response.status == 401)
            #expect(response.header("Set-Cookie") == nil)
        }
    }

    @Test(
        "with the bearer token, one route of every service reaches its stand-in with the identity",
        arguments: ServiceCall.everyService)
    func everyServiceWithBearer(call: ServiceCall) async throws {
        try await DevWalk.run { walk in
            let (token, _) = try await walk.login()
            try await Self.check(call, walk: walk, credentials: ("Authorization", "Bearer \(token)"))
        }
    }

    @Test(
        "with the aegis_token cookie instead, every service is reached the same way",
        arguments: ServiceCall.everyService)
    func everyServiceWithCookie(call: ServiceCall) async throws {
        try await DevWalk.run { walk in
            let (_, setCookie) = try await walk.login()
            let pair = try #require(setCookie.split(separator: ";").first.map(String.init))
            try await Self.check(call, walk: walk, credentials: ("Cookie", "theme=dark; " + pair))
        }
    }

    @Test("the X-Request-ID the gateway makes up is the one the backend sees and the client gets")
    func generatedRequestID() async throws {
        try await DevWalk.run { walk in
            let (token, _) = try await walk.login()
            let response = try await walk.gateway.fetch(
                "GET", "/api/v1/events", headers: [("Authorization", "Bearer \(token)")])
            #expect(response.status == 200)
            let sent = try #require(response.header("X-Request-ID"))
            #expect(try response.jsonObject()["x_request_id"] as? String == sent)
            #expect(sent.count == 36, "not a UUID: \(sent)")
        }
    }

    @Test(
        "without credentials every one of those routes is 401 and nothing is forwarded",
        arguments: ServiceCall.everyService)
    func anonymous(call: ServiceCall) async throws {
        try await DevWalk.run { walk in
            let response = try await walk.gateway.fetch(call.method, call.target, body: call.method == "GET" ? nil : [])
            #expect(response.status == 401)
            #expect(response.header("WWW-Authenticate") == "Bearer")
            #expect(try response.jsonObject()["error"] as? String == "unauthorized")
        }
    }

    @Test(
        "SSE events arrive through the gateway, in order",
        arguments: [
            ("bearer", "/api/v1/agents/a1/stream/c1"), ("bearer", "/api/v1/workspaces/w1/stream"),
            ("cookie", "/api/v1/agents/a1/stream/c1"), ("cookie", "/api/v1/workspaces/w1/stream"),
        ])
    func eventStream(credential: String, path: String) async throws {
        try await DevWalk.run { walk in
            let (token, _) = try await walk.login()
            let header =
                credential == "bearer" ? ("Authorization", "Bearer \(token)") : ("Cookie", "aegis_token=\(token)")
            let client = try await RawHTTPClient.connect(port: walk.gateway.port)
            try await client.send(
                RawHTTPClient.request("GET", path, headers: [header, ("Accept", "text/event-stream")]))
            let head = try await client.readHead()
            #expect(head.status == 200)
            #expect(head.header("Content-Type") == "text/event-stream")
            #expect(head.header("Content-Length") == nil)
            let events = try await client.readAllEvents(timeout: .seconds(15))
            #expect(events.map(\.id) == ["1", "2", "3", "4", "5"])
            #expect(events.first?.data == #"{"n":1,"service":"orchestration"}"#)
            // The stream ended cleanly; the connection still serves a request.
            let next = try await client.exchange("GET", "/api/v1/conversations", headers: [header])
            #expect(next.status == 200)
            await client.close()
        }
    }

    @Test("the walk shows up in the metrics under each service's route pattern, without user or path")
    func metricsAfterWalk() async throws {
        try await DevWalk.run(withMetrics: true) { walk in
            let (token, _) = try await walk.login()
            for call in ServiceCall.everyService {
                try await Self.check(call, walk: walk, credentials: ("Authorization", "Bearer \(token)"))
            }
            let metrics = try await walk.gateway.scrapeMetrics()
            let reached = Set(
                metrics.samples("aegis_requests_total", ["status": "200"]).compactMap { $0.labels["service"] })
            #expect(reached == Set(ServiceCall.everyService.map(\.service.rawValue)), "\(metrics.text)")
            #expect(
                metrics.value(
                    "aegis_requests_total",
                    [
                        "route": "/api/v1/admin/*", "service": "knowledge_graph", "method": "GET", "status": "200",
                    ]) == 1, "\(metrics.text)")
            #expect(!metrics.text.contains(DevCredentials.userID))
            #expect(!metrics.text.contains("/api/v1/entities/7"))
            let lines = await walk.gateway.flushedAccessLines()
            #expect(lines.count == ServiceCall.everyService.count + 1)
            #expect(!lines.joined().contains(token))
        }
    }

    /// Calls `call` through the gateway and checks what the stand-in echoes back.
    static func check(_ call: ServiceCall, walk: DevWalk, credentials: (String, String)) async throws {
        let requestID = "walk-\(call.service.rawValue)-\(call.method)"
        let body: [UInt8]? = call.method == "GET" ? nil : Array("{}".utf8)
        let response = try await walk.gateway.fetch(
            call.method, call.target, headers: [credentials, ("X-Request-ID", requestID)], body: body)
        #expect(response.status == 200, "\(response.status) \(response.bodyString)")
        #expect(response.header("X-Request-ID") == requestID)
        let echo = try response.jsonObject()
        #expect(echo["service"] as? String == call.service.rawValue)
        #expect(echo["method"] as? String == call.method)
        #expect(echo["path"] as? String == call.internalPath)
        #expect(echo["query"] as? String == call.internalQuery)
        #expect(echo["x_user_id"] as? String == DevCredentials.userID)
        #expect(echo["x_user_roles"] as? String == "admin,operator,reviewer")
        #expect(echo["x_request_id"] as? String == requestID)
        #expect(echo["body_bytes"] as? Int == (body?.count ?? 0))
    }
}
