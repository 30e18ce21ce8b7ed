import GatewayCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A real gateway, in-process, on an ephemeral loopback port, for integration tests.
final class TestGateway: Sendable {
    static let secret = "test-secret-for-aegis"
    static let issuer = "aegis-gateway"

    let server: GatewayServer
    let metrics: MetricsServer?
    let observability: Observability
    let accessLog: CapturedLog
    let configuration: GatewayConfiguration

    var port: Int { server.localPort }
    var metricsPort: Int? { metrics?.localPort }

    private init(
        server: GatewayServer, metrics: MetricsServer?, observability: Observability, accessLog: CapturedLog,
        configuration: GatewayConfiguration
    ) {
        self.server = server
        self.metrics = metrics
        self.observability = observability
        self.accessLog = accessLog
        self.configuration = configuration
    }

    /// Starts a gateway whose every upstream is `upstream` (or a port where nothing listens),
    /// with limits that never trip unless `configure` sets them.
    static func start(
        upstream: String?,
        withMetrics: Bool = false,
        logs: RecordedLogs? = nil,
        configure: (inout GatewayConfiguration) -> Void = { _ in }
    ) async throws -> TestGateway {
        var configuration = GatewayConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.jwtSecret = secret
        configuration.jwtIssuer = issuer
        configuration.metricsPort = 0
        configuration.rateLimitPerMinute = 6_000_000_000
        configuration.rateLimitBurst = 100_000_000
        // Far above any answer a test upstream gives, even beside a fuzzer and a CPU hog (5 s was
        // once too short there); tests of the timeout set their own. The connect timeout too: 2 s
        // once ran out on loopback in a full parallel run (a 504 where the upstream answered 302).
        configuration.upstreamResponseTimeoutMilliseconds = 30_000
        configuration.upstreamConnectTimeoutMilliseconds = 10_000
        configuration.shutdownGraceSeconds = 5
        var target = upstream ?? ""
        // Port 1: nothing listens there, and unlike a freed ephemeral port no other test can take it.
        if upstream == nil { target = "http://127.0.0.1:1" }
        for service in ServiceName.builtIn {
            configuration.upstreams[service] = UpstreamURL(parsing: target)
        }
        configure(&configuration)
        return try await start(configuration: configuration, withMetrics: withMetrics, logs: logs)
    }

    /// - Parameter logs: where the gateway's own log lines go (none are kept by default).
    static func start(
        configuration: GatewayConfiguration, withMetrics: Bool = false, logs: RecordedLogs? = nil
    ) async throws -> TestGateway {
        let log = CapturedLog()
        let observability = Observability(logFormat: configuration.logFormat, accessLogSink: log)
        var logger = logs?.logger ?? Logger(label: "test-gateway") { _ in SwiftLogNoOpLogHandler() }
        if logs == nil { logger.logLevel = .critical }
        let server = try await GatewayServer.start(
            configuration: configuration, group: MultiThreadedEventLoopGroup.singleton, observability: observability,
            logger: logger)
        var metrics: MetricsServer? = nil
        if withMetrics {
            metrics = try await MetricsServer.start(
                host: "127.0.0.1", port: 0, observability: observability, group: MultiThreadedEventLoopGroup.singleton)
        }
        return TestGateway(
            server: server, metrics: metrics, observability: observability, accessLog: log,
            configuration: configuration)
    }

    func shutdown() async {
        await server.shutdown()
        await metrics?.close()
    }

    /// One request over a fresh connection.
    func fetch(
        _ method: String = "GET", _ target: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: Duration = .seconds(10)
    ) async throws -> RawHTTPResponse {
        try await RawHTTPClient.fetch(port: port, method, target, headers: headers, body: body, timeout: timeout)
    }

    /// A bearer header with a valid token for `user`.
    static func bearer(_ user: String = "u1", roles: [String] = ["user"]) -> (String, String) {
        ("Authorization", "Bearer " + TestTokens.valid(userID: user, roles: roles, secret: secret, issuer: issuer))
    }
}

/// Access-log lines written by the gateway under test.
final class CapturedLog: LogSink {
    private let bytes = NIOLockedValueBox<[UInt8]>([])

    func write(_ chunk: [UInt8]) { bytes.withLockedValue { $0.append(contentsOf: chunk) } }

    var text: String { String(decoding: bytes.withLockedValue { $0 }, as: UTF8.self) }
    var lines: [String] { text.split(separator: "\n").map(String.init) }
}

extension TestGateway {
    /// Starts an upstream answering with `handler` and a gateway routing every service to it,
    /// runs `body`, and shuts both down whatever `body` does.
    static func withUpstream(
        retainBodyLimit: Int = 1 << 20,
        handler: @escaping TestUpstream.Handler = { _ in .json(#"{"ok":true}"#) },
        configure: (inout GatewayConfiguration) -> Void = { _ in },
        _ body: (TestGateway, TestUpstream) async throws -> Void
    ) async throws {
        let upstream = try await TestUpstream.start(retainBodyLimit: retainBodyLimit, handler: handler)
        let gateway: TestGateway
        do {
            gateway = try await TestGateway.start(upstream: upstream.url, configure: configure)
        } catch {
            try? await upstream.shutdown()
            throw error
        }
        do {
            try await body(gateway, upstream)
        } catch {
            await gateway.shutdown()
            try? await upstream.shutdown()
            throw error
        }
        await gateway.shutdown()
        try? await upstream.shutdown()
    }
}
