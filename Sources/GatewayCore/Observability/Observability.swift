import NIOConcurrencyHelpers
import NIOCore

/// Metrics and access log for one gateway: per-loop observers feeding one Prometheus registry.
public final class Observability: Sendable {
    public let metrics: MetricsSink
    private let accessLog: (format: GatewayConfiguration.LogFormat, sink: any LogSink)?
    private let backgroundLog: BackgroundLogWriter?
    private let observers = NIOLockedValueBox<[NIOLoopBound<LoopObserver>]>([])
    private let flushTasks = NIOLockedValueBox<[RepeatedTask]>([])
    /// The service endpoints of the routing in effect, for `aegis_upstream_endpoint_up`.
    private let endpoints = NIOLockedValueBox<[ServiceEndpoints]>([])

    /// The endpoints whose health the next scrapes report (at start and after each reload).
    func reportEndpoints(of routing: RoutingTable) {
        endpoints.withLockedValue { $0 = routing.serviceEndpoints }
    }

    private let countsRequests: Bool

    /// - Parameters:
    ///   - accessLogSink: where access-log lines go; nil turns the access log off.
    ///   - metricsEnabled: false (METRICS_PORT=0) skips per-request counting altogether.
    ///   - accessLogQueueBytes: when set, a thread of its own writes to the sink, and lines that
    ///     would queue more than this many bytes are dropped and counted instead of waited for.
    public init(
        logFormat: GatewayConfiguration.LogFormat, accessLogSink: (any LogSink)?, metricsEnabled: Bool = true,
        accessLogQueueBytes: Int? = nil
    ) {
        let metrics = MetricsSink()
        self.metrics = metrics
        countsRequests = metricsEnabled
        if let accessLogSink, let accessLogQueueBytes {
            let writer = BackgroundLogWriter(sink: accessLogSink, capacityBytes: accessLogQueueBytes) { lines in
                metrics.increment(Self.droppedLines, [], by: lines)
            }
            metrics.increment(Self.droppedLines, [], by: 0)
            backgroundLog = writer
            accessLog = (logFormat, writer)
        } else {
            backgroundLog = nil
            accessLog = accessLogSink.map { (logFormat, $0) }
        }
    }

    static let droppedLines = "aegis_access_log_dropped_total"

    /// `aegis_config_info` for a file loaded once (dev mode).
    public func configurationLoaded(_ file: ConfigurationFile) {
        metrics.setInfo(ConfigurationReloader.info, [("sha256", file.sha256Prefix)])
    }

    /// `aegis_config_info` for the built-in configuration: the hash of the file
    /// `aegis-gateway config` prints for it, so the same setup names the same hash either way.
    public func builtInConfigurationLoaded(endpoints: [ServiceName: [UpstreamURL]]) {
        let text = ConfigurationFile.renderBuiltIn(endpoints: endpoints)
        let sha = (try? ConfigurationFile.parse(text).sha256Prefix) ?? "builtin"
        metrics.setInfo(ConfigurationReloader.info, [("sha256", sha)])
    }

    /// Makes the observer of `eventLoop`; call on that loop.
    func makeLoopObserver(eventLoop: any EventLoop) -> LoopObserver {
        let observer = LoopObserver(
            sink: metrics, accessLog: accessLog.map { AccessLogWriter(format: $0.format, sink: $0.sink) },
            countsRequests: countsRequests)
        let bound = NIOLoopBound(observer, eventLoop: eventLoop)
        observers.withLockedValue { $0.append(bound) }
        let task = eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(250), delay: .milliseconds(250)) { _ in
            bound.value.flush()
        }
        flushTasks.withLockedValue { $0.append(task) }
        return observer
    }

    /// Flushes every loop, sets the gauges, and renders the Prometheus text.
    public func scrape() async -> [UInt8] {
        let all = observers.withLockedValue { $0 }
        var inFlight = 0
        var streams = 0
        for bound in all {
            if let (f, s) = try? await bound.eventLoop.submit({
                let observer = bound.value
                observer.flush()
                return (observer.inFlight, observer.openStreams)
            }).get() {
                inFlight += f
                streams += s
            }
        }
        metrics.setGauge("aegis_in_flight_requests", inFlight)
        metrics.setGauge("aegis_open_streams", streams)
        let now = Int64(NIODeadline.now().uptimeNanoseconds)
        var series: [([(String, String)], Int)] = []
        for service in endpoints.withLockedValue({ $0 }) {
            for health in service.health {
                series.append(
                    (
                        [("service", service.service.rawValue), ("endpoint", health.endpoint.hostAndPort)],
                        health.isEjected(at: now) ? 0 : 1
                    ))
            }
        }
        metrics.setGaugeFamily("aegis_upstream_endpoint_up", series)
        return metrics.exposition()
    }

    /// Stops the periodic flushes (after a last flush done by the server's shutdown).
    public func stop() {
        let tasks = flushTasks.withLockedValue { tasks in
            defer { tasks.removeAll() }
            return tasks
        }
        for task in tasks { task.cancel() }
        backgroundLog?.stop(timeoutSeconds: 2)
    }
}
