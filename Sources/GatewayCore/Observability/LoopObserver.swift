import NIOCore

/// Counts and logs the requests of one event loop without sharing anything with other loops.
///
/// Counters are plain integers here; `flush` adds them to the shared swift-metrics instruments and
/// writes the buffered access-log lines, a few times a second and before each scrape.
final class LoopObserver {
    private struct RequestSeries: Hashable {
        var route: String
        var service: String
        var method: String
        var status: Int
    }

    private struct DurationSeries: Hashable {
        var route: String
        var service: String
        var method: String
    }

    private let sink: MetricsSink
    private let accessLog: AccessLogWriter?
    private var requests: [RequestSeries: Int] = [:]
    private var durations: [DurationSeries: [Int64]] = [:]
    private var durationCount = 0
    private var upstreamErrors: [String: Int] = [:]
    private var authFailures: [AuthFailure: Int] = [:]
    private var rateLimited = 0
    private(set) var inFlight = 0
    private(set) var openStreams = 0

    init(sink: MetricsSink, accessLog: AccessLogWriter?) {
        self.sink = sink
        self.accessLog = accessLog
    }

    func requestStarted() { inFlight += 1 }
    func requestEnded() { inFlight -= 1 }
    func streamOpened() { openStreams += 1 }
    func streamClosed() { openStreams -= 1 }

    func upstreamError(_ service: Service, _ kind: UpstreamErrorKind) {
        upstreamErrors[service.rawValue + "\u{1}" + kind.rawValue, default: 0] += 1
    }

    func finished(_ request: CompletedRequest) {
        let route = request.audit.routePattern ?? "unmatched"
        let service = request.audit.service?.rawValue ?? "gateway"
        let method = Self.methodLabel(request.method)
        requests[RequestSeries(route: route, service: service, method: method, status: request.status), default: 0] += 1
        durations[DurationSeries(route: route, service: service, method: method), default: []].append(
            Int64(request.duration * 1e9))
        durationCount += 1
        if let failure = request.audit.authFailure { authFailures[failure, default: 0] += 1 }
        if request.audit.rateLimited { rateLimited += 1 }
        accessLog?.append(request)
        if durationCount >= 1024 { flush() }
    }

    /// Moves everything counted so far into the shared instruments and writes the log buffer.
    func flush() {
        for (series, count) in requests {
            sink.increment(
                "aegis_requests_total",
                [("route", series.route), ("service", series.service), ("method", series.method),
                 ("status", String(series.status))], by: count)
        }
        requests.removeAll(keepingCapacity: true)
        for (series, samples) in durations {
            sink.recordDuration(
                "aegis_request_duration_seconds",
                [("route", series.route), ("service", series.service), ("method", series.method)],
                nanoseconds: samples)
        }
        durations.removeAll(keepingCapacity: true)
        durationCount = 0
        for (key, count) in upstreamErrors {
            let parts = key.split(separator: "\u{1}")
            sink.increment(
                "aegis_upstream_errors_total", [("service", String(parts[0])), ("kind", String(parts[1]))], by: count)
        }
        upstreamErrors.removeAll(keepingCapacity: true)
        for (reason, count) in authFailures {
            sink.increment("aegis_auth_failures_total", [("reason", reason.rawValue)], by: count)
        }
        authFailures.removeAll(keepingCapacity: true)
        if rateLimited > 0 {
            sink.increment("aegis_rate_limited_total", [], by: rateLimited)
            rateLimited = 0
        }
        accessLog?.flush()
    }

    static func methodLabel(_ method: String) -> String {
        switch method {
        case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS": method
        default: "other"
        }
    }
}
