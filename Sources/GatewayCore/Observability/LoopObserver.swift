import NIOCore

/// Counts and logs the requests of one event loop without sharing anything with other loops.
///
/// Counters are plain integers here; `flush` adds them to the shared swift-metrics instruments and
/// writes the buffered access-log lines, a few times a second and before each scrape.
final class LoopObserver {
    private static let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"]

    private struct ErrorSeries: Hashable {
        let service: ServiceName
        let kind: UpstreamErrorKind
    }

    private let sink: MetricsSink
    private let accessLog: AccessLogWriter?
    /// Request series packed into an integer so counting costs no string hashing:
    /// (route slot × methods + method) × 1000 + status; the route slot is the route's label
    /// number + 1, and 0 means unmatched.
    private var requests: [Int: Int] = [:]
    /// Samples by series (route × method, a small number): an array of arrays, appended in place.
    /// A dictionary's `default: []` made an empty array per request, and its optional `_modify`
    /// allocated a frame per request.
    private var durations: [[Int64]] = []
    private var durationCount = 0
    private var upstreamErrors: [ErrorSeries: Int] = [:]
    private var authFailures: [AuthFailure: Int] = [:]
    private var rateLimited = 0
    private var ejections: [ServiceName: Int] = [:]
    private var retries: [ServiceName: Int] = [:]
    private var abuseBans = 0
    private(set) var inFlight = 0
    private(set) var openStreams = 0

    private let countsRequests: Bool

    init(sink: MetricsSink, accessLog: AccessLogWriter?, countsRequests: Bool) {
        self.sink = sink
        self.countsRequests = countsRequests
        self.accessLog = accessLog
    }

    func requestStarted() { inFlight += 1 }
    func requestEnded() { inFlight -= 1 }
    func streamOpened() { openStreams += 1 }
    func streamClosed() { openStreams -= 1 }

    func upstreamError(_ service: ServiceName, _ kind: UpstreamErrorKind) {
        upstreamErrors[ErrorSeries(service: service, kind: kind), default: 0] += 1
    }

    func upstreamEjected(_ service: ServiceName) { ejections[service, default: 0] += 1 }
    func upstreamRetried(_ service: ServiceName) { retries[service, default: 0] += 1 }
    func clientAddressBanned() { abuseBans += 1 }

    func finished(_ request: borrowing CompletedRequest) {
        accessLog?.append(request)
        guard countsRequests else { return }
        let route = (request.audit.routeLabel ?? -1) + 1
        let series = route * Self.methods.count + Self.methodIndex(request.method)
        requests[series * 1000 + min(max(request.status, 0), 999), default: 0] += 1
        if series >= durations.count { durations += repeatElement([], count: series + 1 - durations.count) }
        durations[series].append(Int64(request.duration * 1e9))
        durationCount += 1
        if let failure = request.audit.authFailure { authFailures[failure, default: 0] += 1 }
        if request.audit.rateLimited { rateLimited += 1 }
        if durationCount >= 1024 { flush() }
    }

    /// Moves everything counted so far into the shared instruments and writes the log buffer.
    func flush() {
        let routes = requests.isEmpty && durationCount == 0 ? [] : RouteLabels.all
        for (key, count) in requests {
            sink.increment(
                "aegis_requests_total", labels(series: key / 1000, routes) + [("status", String(key % 1000))], by: count
            )
        }
        requests.removeAll(keepingCapacity: true)
        for (series, samples) in durations.enumerated() where !samples.isEmpty {
            sink.recordDuration("aegis_request_duration_seconds", labels(series: series, routes), nanoseconds: samples)
        }
        for series in durations.indices { durations[series].removeAll(keepingCapacity: true) }
        durationCount = 0
        for (series, count) in upstreamErrors {
            sink.increment(
                "aegis_upstream_errors_total", [("service", series.service.rawValue), ("kind", series.kind.rawValue)],
                by: count)
        }
        upstreamErrors.removeAll(keepingCapacity: true)
        for (reason, count) in authFailures {
            sink.increment("aegis_auth_failures_total", [("reason", reason.rawValue)], by: count)
        }
        authFailures.removeAll(keepingCapacity: true)
        for (service, count) in ejections {
            sink.increment("aegis_upstream_ejections_total", [("service", service.rawValue)], by: count)
        }
        ejections.removeAll(keepingCapacity: true)
        for (service, count) in retries {
            sink.increment("aegis_upstream_retries_total", [("service", service.rawValue)], by: count)
        }
        retries.removeAll(keepingCapacity: true)
        if abuseBans > 0 {
            sink.increment("aegis_http2_abuse_bans_total", [], by: abuseBans)
            abuseBans = 0
        }
        if rateLimited > 0 {
            sink.increment("aegis_rate_limited_total", [], by: rateLimited)
            rateLimited = 0
        }
        accessLog?.flush()
    }

    private func labels(series: Int, _ routes: [RouteLabel]) -> [(String, String)] {
        let slot = series / Self.methods.count - 1
        let route = slot >= 0 && slot < routes.count ? routes[slot] : nil
        return [
            ("route", route?.pattern ?? "unmatched"),
            ("service", route?.service ?? "gateway"),
            ("method", Self.methods[series % Self.methods.count]),
        ]
    }

    static func methodIndex(_ method: String) -> Int {
        switch method {
        case "GET": 0
        case "HEAD": 1
        case "POST": 2
        case "PUT": 3
        case "PATCH": 4
        case "DELETE": 5
        case "OPTIONS": 6
        default: 7
        }
    }
}
