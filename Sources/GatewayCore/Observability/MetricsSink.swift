import CoreMetrics
import NIOConcurrencyHelpers
public import Prometheus

/// The gateway's swift-metrics instruments, backed by its own Prometheus registry.
///
/// Only flushes touch it (a few times a second per event loop, and at each scrape): requests are
/// counted per loop without any shared lock, then added here in bulk.
public final class MetricsSink: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let counters = NIOLockedValueBox<[String: CoreMetrics.Counter]>([:])
    private let timers = NIOLockedValueBox<[String: CoreMetrics.Timer]>([:])
    private let gauges = NIOLockedValueBox<[String: CoreMetrics.Gauge]>([:])
    /// Info metrics: one series at 1 per name, replaced (not added to) when its labels change.
    private let infos = NIOLockedValueBox<[String: Prometheus.Gauge]>([:])
    private let families = NIOLockedValueBox<[String: [String: Prometheus.Gauge]]>([:])

    static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["aegis_request_duration_seconds"] = Self.durationBuckets
        self.factory = factory
    }

    func increment(_ label: String, _ dimensions: [(String, String)], by amount: Int) {
        let key = Self.key(label, dimensions)
        let counter = counters.withLockedValue { cache in
            if let c = cache[key] { return c }
            let c = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
            cache[key] = c
            return c
        }
        counter.increment(by: amount)
    }

    func recordDuration(_ label: String, _ dimensions: [(String, String)], nanoseconds: [Int64]) {
        let key = Self.key(label, dimensions)
        let timer = timers.withLockedValue { cache in
            if let t = cache[key] { return t }
            let t = CoreMetrics.Timer(label: label, dimensions: dimensions, factory: factory)
            cache[key] = t
            return t
        }
        for n in nanoseconds { timer.recordNanoseconds(n) }
    }

    func setGauge(_ label: String, _ value: Int) {
        let gauge = gauges.withLockedValue { cache in
            if let g = cache[label] { return g }
            let g = CoreMetrics.Gauge(label: label, dimensions: [], factory: factory)
            cache[label] = g
            return g
        }
        gauge.record(value)
    }

    /// Makes `label{dimensions} 1` the only series of `label` (say, which configuration is active).
    func setInfo(_ label: String, _ dimensions: [(String, String)]) {
        infos.withLockedValue { infos in
            if let old = infos[label] { registry.unregisterGauge(old) }
            let gauge = registry.makeGauge(name: label, labels: dimensions)
            gauge.set(Int64(1))
            infos[label] = gauge
        }
    }

    /// Sets every series of gauge `label` at once; series not given any more are removed (an
    /// endpoint a reload dropped leaves no stale series behind).
    func setGaugeFamily(_ label: String, _ series: [([(String, String)], Int)]) {
        families.withLockedValue { families in
            var previous = families[label] ?? [:]
            var current: [String: Prometheus.Gauge] = [:]
            for (dimensions, value) in series {
                let key = Self.key(label, dimensions)
                let gauge = previous.removeValue(forKey: key) ?? registry.makeGauge(name: label, labels: dimensions)
                gauge.set(Int64(value))
                current[key] = gauge
            }
            for stale in previous.values { registry.unregisterGauge(stale) }
            families[label] = current
        }
    }

    /// Prometheus text exposition of everything flushed so far.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        var key = label
        for (k, v) in dimensions { key += "\u{1}" + k + "=" + v }
        return key
    }
}
