import GatewayCore
import Logging
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// Starts the gateway and its metrics listener under one service group that handles
/// SIGTERM/SIGINT with a graceful drain, then returns (exit 0).
struct GatewayRunner {
    let configuration: GatewayConfiguration
    var group = MultiThreadedEventLoopGroup(numberOfThreads: EventLoopThreads.count)
    var onStarted: @Sendable (_ port: Int) -> Void = { _ in }

    func run() async throws {
        let configuration = self.configuration
        LoggingSystem.bootstrap { label in
            GatewayLogHandler(label: label, level: configuration.logLevel, format: configuration.logFormat)
        }
        let logger = Logger(label: "aegis-gateway")
        for service in GatewayCore.Service.builtIn {
            if let url = configuration.upstreams[service] {
                logger.info("upstream", metadata: ["service": "\(service.rawValue)", "url": "\(url)"])
            }
        }
        if configuration.usesDefaultJWTSecret {
            logger.warning("JWT_SECRET is the public default: set a secret of your own before production")
        }
        let accessLog: (any LogSink)? = configuration.logLevel <= .info ? FileDescriptorSink(fd: 1) : nil
        let observability = Observability(
            logFormat: configuration.logFormat, accessLogSink: accessLog, metricsEnabled: configuration.metricsPort != 0,
            accessLogQueueBytes: 4 << 20)
        let service = GatewayService(
            configuration: configuration, group: group, observability: observability, logger: logger,
            onStarted: onStarted)
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: [.init(service: service)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await serviceGroup.run()
    }
}

/// The gateway as a swift-service-lifecycle service: serve until a shutdown signal, then drain.
struct GatewayService: ServiceLifecycle.Service {
    let configuration: GatewayConfiguration
    let group: MultiThreadedEventLoopGroup
    let observability: Observability
    let logger: Logger
    let onStarted: @Sendable (_ port: Int) -> Void

    func run() async throws {
        let server = try await GatewayServer.start(
            configuration: configuration, group: group, observability: observability, logger: logger)
        var metrics: MetricsServer? = nil
        if configuration.metricsPort != 0 {
            metrics = try await MetricsServer.start(
                host: configuration.metricsHost, port: configuration.metricsPort, observability: observability,
                group: group)
        }
        logger.info(
            "listening",
            metadata: ["host": "\(configuration.host)", "port": "\(server.localPort)",
                       "metrics_port": "\(metrics?.localPort ?? 0)"])
        onStarted(server.localPort)
        try? await gracefulShutdown()
        await server.shutdown()
        await metrics?.close()
    }
}
