import GatewayCore
import Logging
import NIOPosix
import Testing

/// LOG_LEVEL and LOG_FORMAT parsing (SPEC §2), and an Observability without an access-log sink.
@Suite("Access log: level and format settings")
struct AccessLogLevelTests {
    @Test("LOG_LEVEL and LOG_FORMAT are read; json is the default, text in dev")
    func parse() throws {
        #expect(try GatewayConfiguration(environment: [:]).logLevel == .info)
        #expect(try GatewayConfiguration(environment: [:]).logFormat == .json)
        #expect(try GatewayConfiguration(environment: ["LOG_LEVEL": "warning"]).logLevel == .warning)
        #expect(try GatewayConfiguration(environment: ["LOG_FORMAT": "text"]).logFormat == .text)
        #expect(try GatewayConfiguration(environment: [:], profile: .dev).logFormat == .text)
        #expect(try GatewayConfiguration(environment: [:], profile: .dev).host == "127.0.0.1")
        #expect(try GatewayConfiguration(environment: ["LOG_FORMAT": "json"], profile: .dev).logFormat == .json)
        #expect(try GatewayConfiguration(environment: ["API_GATEWAY_HOST": "0.0.0.0"], profile: .dev).host == "0.0.0.0")
        #expect(throws: ConfigurationError.self) { try GatewayConfiguration(environment: ["LOG_FORMAT": "xml"]) }
        #expect(throws: ConfigurationError.self) { try GatewayConfiguration(environment: ["LOG_LEVEL": "loud"]) }
    }

    @Test("without an access-log sink the gateway still serves and counts, and logs nothing")
    func noSink() async throws {
        var configuration = GatewayConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.jwtSecret = TestGateway.secret
        let observability = Observability(logFormat: .json, accessLogSink: nil)
        let server = try await GatewayServer.start(
            configuration: configuration, group: MultiThreadedEventLoopGroup.singleton, observability: observability,
            logger: Logger(label: "no-sink") { _ in SwiftLogNoOpLogHandler() })
        let response = try await RawHTTPClient.fetch(port: server.localPort, "GET", "/health")
        #expect(response.status == 200)
        let metrics = try PrometheusExposition(String(decoding: await observability.scrape(), as: UTF8.self))
        #expect(
            metrics.value(
                "aegis_requests_total",
                [
                    "route": "/health", "service": "gateway", "method": "GET", "status": "200",
                ]) == 1)
        await server.shutdown()
    }
}
