import Foundation
import GatewayCore
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// SPEC §15 with real upstreams: balancing, passive ejection, retries and their limits.
@Suite("Several endpoints per service")
struct SeveralEndpointsTests {
    /// An upstream that names itself in a header, after an optional delay.
    static func upstream(_ name: String, port: Int = 0, delay: TimeAmount = .zero) async throws -> TestUpstream {
        try await TestUpstream.start(port: port) { _ in
            let plan = UpstreamPlan.json(#"{"from":"\#(name)"}"#, headers: [("X-From", name)])
            return delay == .zero ? plan : .delayHead(delay, then: plan)
        }
    }

    /// A gateway whose orchestration service has `endpoints`; ejections last `ejection` seconds × n.
    static func gateway(
        _ endpoints: [String], ejection: Int64 = 30, responseTimeoutMilliseconds: Int64 = 5_000
    ) async throws -> TestGateway {
        try await TestGateway.start(upstream: nil, withMetrics: true) {
            $0.upstreamResponseTimeoutMilliseconds = responseTimeoutMilliseconds
            $0.upstreams[.orchestration] = UpstreamURL(parsing: endpoints[0])
            $0.extraEndpoints[.orchestration] = endpoints.dropFirst().compactMap { UpstreamURL(parsing: $0) }
            $0.upstreamEjectionBaseSeconds = ejection
        }
    }

    /// Runs `count` GETs over `connections` keep-alive connections at once; answers who served each.
    static func load(_ gateway: TestGateway, count: Int, connections: Int = 8) async throws -> [String] {
        try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<connections {
                group.addTask {
                    let client = try await RawHTTPClient.connect(port: gateway.port)
                    var served: [String] = []
                    for _ in 0..<(count / connections) {
                        try await client.send(
                            "GET /api/v1/conversations HTTP/1.1\r\nHost: gw\r\n\(CoreProxy.auth.0): \(CoreProxy.auth.1)\r\n\r\n"
                        )
                        let response = try await client.readResponse()
                        served.append(
                            response.status == 200 ? response.header("X-From") ?? "?" : "status \(response.status)")
                        if response.header("Connection") == "close" { break }
                    }
                    await client.close()
                    return served
                }
            }
            var all: [String] = []
            for try await part in group { all += part }
            return all
        }
    }

    static func tally(_ served: [String]) -> [String: Int] {
        served.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    @Test(
        "three endpoints, one killed under load: at most 5 failures, ejected, the others carry it, back after it restarts"
    )
    func killedEndpoint() async throws {
        let a = try await Self.upstream("a")
        let b = try await Self.upstream("b")
        let c = try await Self.upstream("c")
        // Ejected for 5 s: long enough to read the metrics under load (two CPU hogs beside the suite).
        let gateway = try await Self.gateway([a.url, b.url, c.url], ejection: 5)
        let before = Self.tally(try await Self.load(gateway, count: 300))
        #expect(
            before["a", default: 0] > 50 && before["b", default: 0] > 50 && before["c", default: 0] > 50, "\(before)")

        let port = c.port
        async let during = Self.load(gateway, count: 600)
        try await c.shutdown()
        let served = try await during
        let failures = served.filter { $0.hasPrefix("status") }
        #expect(failures.count <= 5, "client-visible failures: \(Self.tally(failures))")
        let metrics = try await gateway.scrapeMetrics()
        #expect(
            (metrics.value("aegis_upstream_ejections_total", ["service": "orchestration"]) ?? 0) >= 1, "\(metrics.text)"
        )
        #expect(
            metrics.value("aegis_upstream_endpoint_up", ["service": "orchestration", "endpoint": "127.0.0.1:\(port)"])
                == 0)
        #expect(
            metrics.value(
                "aegis_upstream_endpoint_up", ["service": "orchestration", "endpoint": "127.0.0.1:\(a.port)"]) == 1)
        let after = Self.tally(try await Self.load(gateway, count: 200))
        #expect(after["c"] == nil && after["a", default: 0] > 50 && after["b", default: 0] > 50, "\(after)")

        let restarted = try await Self.upstream("c", port: port)
        try await eventually("the restarted endpoint back in the mix", within: .seconds(20)) {
            Self.tally(try await Self.load(gateway, count: 80))["c", default: 0] > 0
        }
        #expect(
            try await gateway.scrapeMetrics().value(
                "aegis_upstream_endpoint_up", ["service": "orchestration", "endpoint": "127.0.0.1:\(port)"]) == 1)
        await gateway.shutdown()
        for upstream in [a, b, restarted] { try? await upstream.shutdown() }
    }

    @Test("a slow endpoint gets fewer requests (least outstanding of two)")
    func slowEndpoint() async throws {
        let fast1 = try await Self.upstream("fast1")
        let fast2 = try await Self.upstream("fast2")
        let slow = try await Self.upstream("slow", delay: .milliseconds(200))
        // No response timeout in play: beside a fuzzer and a CPU hog three answers once took 5 s.
        let gateway = try await Self.gateway([fast1.url, fast2.url, slow.url], responseTimeoutMilliseconds: 60_000)
        let served = Self.tally(try await Self.load(gateway, count: 300, connections: 12))
        #expect(served.keys.allSatisfy { !$0.hasPrefix("status") }, "\(served)")
        // Round robin would give each a third (100); the slow one gets fewer than either fast one.
        #expect(served["slow", default: 0] < min(served["fast1", default: 0], served["fast2", default: 0]), "\(served)")
        #expect(served["slow", default: 0] < 90, "\(served)")
        await gateway.shutdown()
        for upstream in [fast1, fast2, slow] { try? await upstream.shutdown() }
    }

    @Test("a failed connect is retried on another endpoint; the dead one is ejected")
    func connectRetried() async throws {
        let live = try await Self.upstream("live")
        let gateway = try await Self.gateway(["http://127.0.0.1:1", live.url])
        let served = Self.tally(try await Self.load(gateway, count: 200, connections: 4))
        #expect(served == ["live": 200], "\(served)")
        let metrics = try await gateway.scrapeMetrics()
        let retries = metrics.value("aegis_upstream_retries_total", ["service": "orchestration"]) ?? 0
        // Five failures eject it; requests on the other three connections may have chosen it
        // before the fifth failed.
        #expect(retries >= 1 && retries <= 5 + 3, "retries until the dead endpoint was ejected: \(retries)")
        #expect(
            metrics.value("aegis_upstream_endpoint_up", ["service": "orchestration", "endpoint": "127.0.0.1:1"]) == 0)
        await gateway.shutdown()
        try? await live.shutdown()
    }

    @Test("a retry elsewhere is written for that endpoint: its Host and base path, the client's fields as sent")
    func retryIsWrittenForTheNextEndpoint() async throws {
        let live = try await TestUpstream.start { request in
            .json(
                "{}",
                headers: [
                    ("X-Target", request.uri), ("X-Host", request.header("Host") ?? ""),
                    ("X-Probe", request.header("X-Probe") ?? ""),
                ])
        }
        // Endpoint health is per process: each test's dead endpoint is its own (another port),
        // or one test's ejection would keep the next from ever trying its dead one.
        let gateway = try await Self.gateway(["http://127.0.0.1:3/dead", live.url + "/live"])
        let client = try await RawHTTPClient.connect(port: gateway.port)
        for _ in 0..<20 {
            try await client.send(
                "GET /api/v1/conversations?q=1 HTTP/1.1\r\nHost: gw\r\nX-Probe: a  b;c\r\n"
                    + "\(CoreProxy.auth.0): \(CoreProxy.auth.1)\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.header("X-Target") == "/live/conversations?q=1")
            #expect(response.header("X-Host") == "127.0.0.1:\(live.port)")
            #expect(response.header("X-Probe") == "a  b;c")
        }
        await client.close()
        let metrics = try await gateway.scrapeMetrics()
        #expect((metrics.value("aegis_upstream_retries_total", ["service": "orchestration"]) ?? 0) >= 1)
        await gateway.shutdown()
        try? await live.shutdown()
    }

    @Test("a POST whose body was sent is never retried")
    func postNotRetried() async throws {
        let received = NIOLockedValueBox<[String]>([])
        // `flaky` drops every connection that brings a request after its first one.
        let seen = NIOLockedValueBox(0)
        let flaky = try await TestUpstream.start { request in
            received.withLockedValue { $0.append("flaky \(request.method)") }
            let n = seen.withLockedValue { count -> Int in
                count += 1
                return count
            }
            return n == 1 ? .json(#"{"from":"flaky"}"#, headers: [("X-From", "flaky")]) : .closeWithoutResponse
        }
        let steady = try await TestUpstream.start { request in
            received.withLockedValue { $0.append("steady \(request.method)") }
            return .json(#"{"from":"steady"}"#, headers: [("X-From", "steady")])
        }
        let gateway = try await Self.gateway([flaky.url])
        #expect(try await gateway.fetch("GET", "/api/v1/conversations", headers: [CoreProxy.auth]).status == 200)
        let post = try await gateway.fetch(
            "POST", "/api/v1/conversations", headers: [CoreProxy.auth, ("Content-Type", "application/json")],
            body: Array(#"{"x":1}"#.utf8))
        #expect(post.status == 502, "\(post.bodyString)")
        #expect(received.withLockedValue { $0 } == ["flaky GET", "flaky POST"], "the POST went out once")
        let metrics = try await gateway.scrapeMetrics()
        #expect((metrics.value("aegis_upstream_retries_total", ["service": "orchestration"]) ?? 0) == 0)
        await gateway.shutdown()
        try? await flaky.shutdown()
        try? await steady.shutdown()
    }

    @Test("never more than half of a service's endpoints are ejected; when all fail, 502 as always")
    func allDown() async throws {
        let gateway = try await Self.gateway(["http://127.0.0.1:4", "http://127.0.0.1:5"])
        let served = Self.tally(try await Self.load(gateway, count: 40, connections: 2))
        #expect(served == ["status 502": 40], "\(served)")
        let metrics = try await gateway.scrapeMetrics()
        let up = metrics.samples("aegis_upstream_endpoint_up", ["service": "orchestration"]).map(\.value)
        #expect(up.sorted() == [0, 1], "one of two ejected at most: \(up)")
        await gateway.shutdown()
    }

    @Test("*_URL holds several comma-separated endpoints")
    func commaSeparated() throws {
        let configuration = try GatewayConfiguration(environment: [
            "KNOWLEDGE_GRAPH_URL": "http://kg-1:8003/v2, http://kg-2:8003/v2"
        ])
        #expect(
            configuration.endpoints[.knowledgeGraph]?.map(\.description) == [
                "http://kg-1:8003/v2", "http://kg-2:8003/v2",
            ])
        #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration(environment: ["KNOWLEDGE_GRAPH_URL": "http://kg-1:8003,kg-2"])
        }
    }
}

extension SeveralEndpointsTests {
    @Test("a host name is followed: each address it resolves to is an endpoint, and a change is picked up")
    func dnsFollowed() async throws {
        let first = try await TestUpstream.start { request in
            .json("{}", headers: [("X-From", "first"), ("X-Host", request.headers.first { $0.0 == "Host" }?.1 ?? "")])
        }
        // The same port on another loopback address: only the address tells them apart.
        let second = try await TestUpstream.start(host: "127.0.0.2", port: first.port) { _ in
            .json("{}", headers: [("X-From", "second")])
        }
        let answers = NIOLockedValueBox<[String]>(["127.0.0.1"])
        let gateway = try await TestGateway.start(upstream: nil, withMetrics: true) {
            $0.upstreams[.orchestration] = UpstreamURL(parsing: "http://svc.test:\(first.port)")
            $0.upstreamDNSRefreshSeconds = 1
            $0.hostResolver = HostResolver { name in name == "svc.test" ? answers.withLockedValue { $0 } : [] }
        }
        try await eventually("served at the first address") {
            Self.tally(try await Self.load(gateway, count: 8, connections: 1)) == ["first": 8]
        }
        let response = try await gateway.fetch("GET", "/api/v1/conversations", headers: [CoreProxy.auth])
        #expect(response.header("X-Host") == "svc.test:\(first.port)", "Host names the service, not the address")

        answers.withLockedValue { $0 = ["127.0.0.2"] }
        try await eventually("followed to the new address") {
            Self.tally(try await Self.load(gateway, count: 8, connections: 1)) == ["second": 8]
        }
        answers.withLockedValue { $0 = ["127.0.0.1", "127.0.0.2"] }
        try await eventually("both addresses are endpoints") {
            let served = Self.tally(try await Self.load(gateway, count: 40, connections: 4))
            return served["first", default: 0] > 0 && served["second", default: 0] > 0 && served.count == 2
        }
        let metrics = try await gateway.scrapeMetrics()
        #expect(
            metrics.value(
                "aegis_upstream_endpoint_up", ["service": "orchestration", "endpoint": "127.0.0.2:\(first.port)"]) == 1)
        await gateway.shutdown()
        try? await first.shutdown()
        try? await second.shutdown()
    }
}
