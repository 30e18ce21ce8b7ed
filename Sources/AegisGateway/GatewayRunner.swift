import GatewayCore
import Logging
import NIOCore
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
        if let file = configuration.file {
            logger.info(
                "configuration file",
                metadata: [
                    "file": "\(configuration.configFile ?? "(dev)")", "sha256": "\(file.sha256Prefix)",
                    "routes": "\(file.routes.count)", "services": "\(file.services.count)",
                ])
            for (service, endpoints) in file.services.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                logger.info(
                    "upstream",
                    metadata: [
                        "service": "\(service.rawValue)",
                        "url": "\(endpoints.map(\.description).joined(separator: ","))",
                    ])
            }
            if !configuration.ignoredURLVariables.isEmpty {
                logger.warning(
                    "CONFIG_FILE is set: these variables are ignored",
                    metadata: ["variables": "\(configuration.ignoredURLVariables.joined(separator: ","))"])
            }
        } else {
            let endpoints = configuration.endpoints
            for service in GatewayCore.ServiceName.builtIn {
                if let urls = endpoints[service] {
                    logger.info(
                        "upstream",
                        metadata: [
                            "service": "\(service.rawValue)",
                            "url": "\(urls.map(\.description).joined(separator: ","))",
                        ])
                }
            }
        }
        if configuration.usesDefaultJWTSecret {
            logger.warning("JWT_SECRET is the public default: set a secret of your own before production")
        }
        let accessLog: (any LogSink)? = configuration.logLevel <= .info ? FileDescriptorSink(fd: 1) : nil
        let observability = Observability(
            logFormat: configuration.logFormat, accessLogSink: accessLog,
            metricsEnabled: configuration.metricsPort != 0,
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
///
/// Its description is short: the service group logs its services at debug level, and a
/// reflected one would print the configuration field by field.
struct GatewayService: ServiceLifecycle.Service, CustomStringConvertible {
    var description: String { "GatewayService(\(configuration))" }

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
            metadata: [
                "host": "\(configuration.host)", "port": "\(server.localPort)",
                "metrics_port": "\(metrics?.localPort ?? 0)",
            ])
        // SIGHUP reloads CONFIG_FILE (SPEC §14); it is trapped either way, so it never kills the gateway.
        var reloader: ConfigurationReloader? = nil
        if let path = configuration.configFile, let file = configuration.file {
            let made = ConfigurationReloader(
                path: path, loaded: file, server: server, metrics: observability.metrics, logger: logger)
            if configuration.configWatchSeconds > 0 {
                made.watch(every: .seconds(configuration.configWatchSeconds), on: group.next())
            }
            reloader = made
        } else if let file = configuration.file {
            observability.configurationLoaded(file)
        } else {
            observability.builtInConfigurationLoaded(endpoints: configuration.endpoints)
        }
        let hangups = Task { [reloader, logger] in
            for await _ in await UnixSignalsSequence(trapping: .sighup) {
                if server.isTLS { server.reloadTLS() }
                if let reloader {
                    reloader.requestReload(reason: "SIGHUP")
                } else if !server.isTLS {
                    logger.notice("SIGHUP: no CONFIG_FILE to reload")
                }
            }
        }
        onStarted(server.localPort)
        try? await gracefulShutdown()
        hangups.cancel()
        reloader?.stop()
        await server.shutdown()
        await metrics?.close()
    }
}
