import Foundation
import GatewayCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// SPEC §14 reloads against a live gateway: swapped whole and at once, never failing a request.
@Suite("Configuration reload")
struct ConfigurationReloadTests {
    /// Two upstreams that say who they are and echo the path they got; `/events` is an SSE stream.
    struct Upstreams {
        let a: TestUpstream
        let b: TestUpstream

        static func start() async throws -> Upstreams {
            func handler(_ name: String) -> TestUpstream.Handler {
                { request in
                    if request.uri.hasPrefix("/events") { return .events(count: 40, interval: .milliseconds(50)) }
                    return .json(#"{"upstream":"\#(name)"}"#, headers: [("X-Upstream", name), ("X-Path", request.uri)])
                }
            }
            return Upstreams(
                a: try await TestUpstream.start(handler: handler("a")),
                b: try await TestUpstream.start(handler: handler("b")))
        }

        func shutdown() async {
            try? await a.shutdown()
            try? await b.shutdown()
        }
    }

    /// Version `n` of the file: `/api/v1/stable*` is rewritten to `/v<n>/stable*` (so each
    /// response names the version that routed it) on upstream a or b in turn, and a route
    /// `/api/v1/extra<n>` exists in version n only. `valid: false` names an unknown service.
    static func file(version n: Int, _ upstreams: Upstreams, valid: Bool = true) -> String {
        """
        services:
          main:
            endpoints: ["\(n % 2 == 0 ? upstreams.a.url : upstreams.b.url)"]
          side:
            endpoints: ["\(upstreams.b.url)"]
        routes:
          - {path: "/api/v1/stable*", service: main, rewrite: "/v\(n)/stable*"}
          - {path: "/api/v1/events", service: side, rewrite: "/events"}
          - {path: "/api/v1/extra\(n)", service: \(valid ? "side" : "missing"), rewrite: "/extra"}
        """
    }

    /// Writes `text` in place, or to a sibling then renamed over the file (as a ConfigMap update does).
    static func write(_ text: String, to path: String, byRename: Bool) throws {
        if byRename {
            let temporary = path + ".tmp-\(UUID().uuidString)"
            try text.write(toFile: temporary, atomically: false, encoding: .utf8)
            guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } else {
            try text.write(toFile: path, atomically: false, encoding: .utf8)
        }
    }

    static func start(_ upstreams: Upstreams, path: String, version: Int = 0) async throws -> (
        TestGateway, ConfigurationReloader
    ) {
        try file(version: version, upstreams).write(toFile: path, atomically: false, encoding: .utf8)
        let loaded = try ConfigurationFile.load(path: path)
        let gateway = try await TestGateway.start(upstream: nil, withMetrics: true) {
            $0.configFile = path
            $0.file = loaded
        }
        let reloader = ConfigurationReloader(
            path: path, loaded: loaded, server: gateway.server, metrics: gateway.observability.metrics,
            logger: Logger(label: "reload-test") { _ in SwiftLogNoOpLogHandler() })
        return (gateway, reloader)
    }

    static func temporaryPath() -> String {
        NSTemporaryDirectory() + "aegis-config-\(UUID().uuidString).yaml"
    }

    /// Versions: the one applied last, and the one whose reload began last.
    final class Versions: Sendable {
        private let state = NIOLockedValueBox<(applied: Int, requested: Int)>((0, 0))
        var applied: Int { state.withLockedValue { $0.applied } }
        var requested: Int { state.withLockedValue { $0.requested } }
        func requesting(_ n: Int) { state.withLockedValue { $0.requested = n } }
        func applied(_ n: Int) { state.withLockedValue { $0.applied = n } }
    }

    @Test(
        "100 rewrites under keep-alive requests and SSE streams: no request fails, each is routed by a configuration current while it ran"
    )
    func hundredRewrites() async throws {
        let upstreams = try await Upstreams.start()
        let path = Self.temporaryPath()
        let (gateway, reloader) = try await Self.start(upstreams, path: path)
        let versions = Versions()
        let stop = NIOLockedValueBox(false)

        // Streams opened on version 0 run across the rewrites and must end whole.
        let streams = (0..<3).map { _ in
            Task { () throws -> Int in
                let client = try await RawHTTPClient.connect(port: gateway.port)
                try await client.send(
                    "GET /api/v1/events HTTP/1.1\r\nHost: gw\r\n\(CoreProxy.auth.0): \(CoreProxy.auth.1)\r\n\r\n")
                let head = try await client.readHead()
                guard head.status == 200 else { return -head.status }
                let events = try await client.readAllEvents()
                await client.close()
                return events.count
            }
        }
        let callers = (0..<4).map { _ in
            Task { () throws -> [String] in
                let client = try await RawHTTPClient.connect(port: gateway.port)
                var problems: [String] = []
                var count = 0
                while !stop.withLockedValue({ $0 }) || count < 20 {
                    let before = versions.applied
                    try await client.send(
                        "GET /api/v1/stable/x HTTP/1.1\r\nHost: gw\r\n\(CoreProxy.auth.0): \(CoreProxy.auth.1)\r\n\r\n")
                    let response = try await client.readResponse()
                    let after = versions.requested
                    count += 1
                    guard response.status == 200, let served = response.header("X-Path") else {
                        problems.append("status \(response.status)")
                        continue
                    }
                    let version = Int(served.dropFirst(2).prefix { $0.isNumber }) ?? -1
                    if version < before || version > after {
                        problems.append("served by version \(version), current ones were \(before)...\(after)")
                    }
                }
                await client.close()
                return problems
            }
        }

        var valid = 0
        var invalid = 0
        for n in 1...100 {
            let isValid = n % 10 != 3
            try Self.write(Self.file(version: n, upstreams, valid: isValid), to: path, byRename: n % 3 == 0)
            if isValid { versions.requesting(n) }
            let applied = await reloader.reloadNow(reason: "test")
            #expect(applied == isValid, "version \(n)")
            if isValid {
                versions.applied(n)
                valid += 1
            } else {
                invalid += 1
            }
            if n % 20 == 0 {
                // Routes come and go with their version.
                let current = versions.applied
                #expect(
                    try await gateway.fetch("GET", "/api/v1/extra\(current)", headers: [CoreProxy.auth]).status == 200)
                #expect(
                    try await gateway.fetch("GET", "/api/v1/extra\(current - 1)", headers: [CoreProxy.auth]).status
                        == 404)
            }
        }
        stop.withLockedValue { $0 = true }
        for caller in callers {
            let problems = try await caller.value
            #expect(problems.isEmpty, "\(problems.prefix(5))")
        }
        for stream in streams {
            #expect(try await stream.value == 40, "an SSE stream did not end whole across the reloads")
        }

        let metrics = try await gateway.scrapeMetrics()
        #expect(metrics.value(ConfigurationReloader.reloads, ["result": "ok"]) == Double(valid))
        #expect(metrics.value(ConfigurationReloader.reloads, ["result": "error"]) == Double(invalid))
        let last = try ConfigurationFile.parse(Self.file(version: 100, upstreams))
        #expect(
            metrics.samples(ConfigurationReloader.info).map { $0.labels["sha256"] } == [last.sha256Prefix],
            "\(metrics.text)")
        reloader.stop()
        await gateway.shutdown()
        await upstreams.shutdown()
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test("pooled connections to endpoints a reload keeps are kept")
    func poolsKept() async throws {
        let upstreams = try await Upstreams.start()
        let path = Self.temporaryPath()
        let (gateway, reloader) = try await Self.start(upstreams, path: path, version: 2)  // main on a
        // One client connection: one event loop, whose pool keeps one upstream connection.
        let client = try await RawHTTPClient.connect(port: gateway.port)
        func get() async throws -> RawHTTPResponse {
            try await client.send(
                "GET /api/v1/stable/x HTTP/1.1\r\nHost: gw\r\n\(CoreProxy.auth.0): \(CoreProxy.auth.1)\r\n\r\n")
            return try await client.readResponse()
        }
        for _ in 0..<5 { #expect(try await get().status == 200) }
        let accepted = upstreams.a.connectionsAccepted
        // Version 4 routes main to a again, with other routes and rewrites.
        try Self.write(Self.file(version: 4, upstreams), to: path, byRename: true)
        #expect(await reloader.reloadNow(reason: "test"))
        for _ in 0..<5 { #expect(try await get().header("X-Path") == "/v4/stable/x") }
        #expect(upstreams.a.connectionsAccepted == accepted, "the reload reconnected to an endpoint it kept")
        await client.close()
        reloader.stop()
        await gateway.shutdown()
        await upstreams.shutdown()
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test("a reload storm: 1,000 requests in a burst fold into a few reloads, and serving never stops")
    func storm() async throws {
        let upstreams = try await Upstreams.start()
        let path = Self.temporaryPath()
        let (gateway, reloader) = try await Self.start(upstreams, path: path)
        try Self.write(Self.file(version: 1, upstreams), to: path, byRename: false)
        let client = try await RawHTTPClient.connect(port: gateway.port)
        for _ in 0..<1000 { reloader.requestReload(reason: "SIGHUP") }
        for _ in 0..<20 {
            try await client.send(
                "GET /api/v1/stable/x HTTP/1.1\r\nHost: gw\r\n\(CoreProxy.auth.0): \(CoreProxy.auth.1)\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(["/v0/stable/x", "/v1/stable/x"].contains(response.header("X-Path") ?? ""))
        }
        // A reload queued after the storm runs after it: by then every storm reload is done.
        #expect(await reloader.reloadNow(reason: "after the storm"))
        let metrics = try await gateway.scrapeMetrics()
        let reloads = metrics.value(ConfigurationReloader.reloads, ["result": "ok"]) ?? 0
        #expect(reloads >= 2 && reloads < 100, "\(reloads) reloads for 1,000 requests")
        #expect(try await gateway.fetch("GET", "/api/v1/extra1", headers: [CoreProxy.auth]).status == 200)
        await client.close()
        reloader.stop()
        await gateway.shutdown()
        await upstreams.shutdown()
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test("the watch reloads a changed file by itself, and a refused change leaves the running configuration")
    func watch() async throws {
        let upstreams = try await Upstreams.start()
        let path = Self.temporaryPath()
        let (gateway, reloader) = try await Self.start(upstreams, path: path)
        reloader.watch(every: .milliseconds(100), on: MultiThreadedEventLoopGroup.singleton.next())
        try Self.write(Self.file(version: 7, upstreams), to: path, byRename: true)
        try await eventually("version 7 routed") {
            try await gateway.fetch("GET", "/api/v1/extra7", headers: [CoreProxy.auth]).status == 200
        }
        try Self.write(Self.file(version: 8, upstreams, valid: false), to: path, byRename: false)
        // Written in place, the watch may also see it half-written: one refusal or more.
        try await eventually("the refused file counted") {
            try await gateway.scrapeMetrics().value(ConfigurationReloader.reloads, ["result": "error"]) ?? 0 >= 1
        }
        #expect(try await gateway.fetch("GET", "/api/v1/extra7", headers: [CoreProxy.auth]).status == 200)
        #expect(try await gateway.fetch("GET", "/api/v1/extra8", headers: [CoreProxy.auth]).status == 404)
        // Unchanged content is not reloaded again and again.
        let metrics = try await gateway.scrapeMetrics()
        #expect(metrics.value(ConfigurationReloader.reloads, ["result": "ok"]) == 1)
        reloader.stop()
        await gateway.shutdown()
        await upstreams.shutdown()
        try? FileManager.default.removeItem(atPath: path)
    }
}
