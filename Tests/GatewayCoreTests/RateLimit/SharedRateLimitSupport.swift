import GatewayCore
import RESP
import RedisServerFixture
import Testing

/// Gateways that share limits through one Redis, and what tests look at.
extension TestGateway {
    /// A gateway without upstreams whose limiter shares through `redis` (nil: limits alone).
    /// Requests to `SharedLimitProbe.path` pass the limiter and end in a 404: no upstream needed.
    static func sharing(
        _ redis: RedisURL?, perMinute: Int64, burst: Int64, syncMilliseconds: Int64 = 20, logs: RecordedLogs? = nil,
        configure: (inout GatewayConfiguration) -> Void = { _ in }
    ) async throws -> TestGateway {
        try await TestGateway.start(upstream: nil, withMetrics: true, logs: logs) {
            $0.rateLimitPerMinute = perMinute
            $0.rateLimitBurst = burst
            $0.rateLimitRedis = redis
            $0.rateLimitSyncMilliseconds = syncMilliseconds
            // A loaded test machine (sanitizers, CPU hogs) misses 50 ms replies; a missed reply drops
            // that round's takes, which these tests count. The silent-Redis test still times out.
            $0.rateLimitRedisReplyTimeoutMilliseconds = 1_000
            configure(&$0)
        }
    }

    /// `aegis_rate_limit_store_up`, nil when not exported.
    func storeUp() async throws -> Double? {
        try await scrapeMetrics().value("aegis_rate_limit_store_up")
    }

    func awaitStore(up: Bool, _ why: String = "") async throws {
        try await eventually("aegis_rate_limit_store_up \(up ? 1 : 0) \(why)") { try await storeUp() == (up ? 1 : 0) }
    }
}

enum SharedLimitProbe {
    /// Limited (SPEC §3: the limiter runs before routing) and answered 404 by the gateway itself.
    static let path = "/api/v1/no-such-route"

    static func request(user: String) -> String {
        let (name, value) = TestGateway.bearer(user)
        return "GET \(path) HTTP/1.1\r\nHost: gw\r\n\(name): \(value)\r\n\r\n"
    }

    /// The tokens left in Redis for `key`, nil when the key is absent.
    static func tokens(in redis: RedisServer, _ key: String) async throws -> Double? {
        guard let text = try await redis.command("GET", ["aegis:rl:" + key]).text else { return nil }
        return text.split(separator: " ").first.flatMap { Double($0) }
    }
}
