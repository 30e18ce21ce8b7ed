import Foundation
import GatewayCore
import RESP
import Testing

/// SPEC §2: a malformed value stops start-up with a line naming the variable and the bad
/// value, never the secret.
@Suite struct ConfigurationErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var env: [String: String]
        var variable: String
        /// The bad value that the line must show (nil: not checked).
        var shown: String?
        var testDescription: String { "\(variable) in \(env)" }
    }

    static let cases: [Case] = [
        Case(env: ["API_GATEWAY_PORT": "0"], variable: "API_GATEWAY_PORT", shown: "0"),
        Case(env: ["API_GATEWAY_PORT": "65536"], variable: "API_GATEWAY_PORT", shown: "65536"),
        Case(env: ["API_GATEWAY_PORT": "80a"], variable: "API_GATEWAY_PORT", shown: "80a"),
        Case(env: ["API_GATEWAY_PORT": "-1"], variable: "API_GATEWAY_PORT", shown: "-1"),
        Case(env: ["API_GATEWAY_PORT": ""], variable: "API_GATEWAY_PORT", shown: nil),
        Case(env: ["METRICS_PORT": "70000"], variable: "METRICS_PORT", shown: "70000"),
        Case(env: ["METRICS_PORT": "8000"], variable: "METRICS_PORT", shown: "8000"),
        Case(env: ["METRICS_PORT": "9000", "API_GATEWAY_PORT": "9000"], variable: "METRICS_PORT", shown: "9000"),
        Case(env: ["ORCHESTRATION_URL": "localhost:8001"], variable: "ORCHESTRATION_URL", shown: "localhost:8001"),
        Case(env: ["MEMORY_URL": "http://"], variable: "MEMORY_URL", shown: "http://"),
        Case(env: ["KNOWLEDGE_GRAPH_URL": "http:///v2"], variable: "KNOWLEDGE_GRAPH_URL", shown: "http:///v2"),
        Case(env: ["APPROVAL_URL": "approval"], variable: "APPROVAL_URL", shown: "approval"),
        Case(env: ["INGESTION_URL": "//ingest:8005"], variable: "INGESTION_URL", shown: "//ingest:8005"),
        Case(env: ["COMPLIANCE_URL": "http://:8006"], variable: "COMPLIANCE_URL", shown: "http://:8006"),
        Case(env: ["FLARING_URL": "http://flaring:99999"], variable: "FLARING_URL", shown: "http://flaring:99999"),
        Case(env: ["AUTH_URL": ""], variable: "AUTH_URL", shown: nil),
        Case(env: ["TRUSTED_PROXIES": "10.0.0.0/33"], variable: "TRUSTED_PROXIES", shown: "10.0.0.0/33"),
        Case(env: ["TRUSTED_PROXIES": "10.0.0.0/8,not-an-ip"], variable: "TRUSTED_PROXIES", shown: "not-an-ip"),
        Case(env: ["TRUSTED_PROXIES": "300.1.1.1"], variable: "TRUSTED_PROXIES", shown: "300.1.1.1"),
        Case(env: ["RATE_LIMIT_PER_MINUTE": "abc"], variable: "RATE_LIMIT_PER_MINUTE", shown: "abc"),
        Case(env: ["RATE_LIMIT_PER_MINUTE": "0"], variable: "RATE_LIMIT_PER_MINUTE", shown: "0"),
        Case(env: ["RATE_LIMIT_PER_MINUTE": "1.5"], variable: "RATE_LIMIT_PER_MINUTE", shown: "1.5"),
        Case(env: ["RATE_LIMIT_PER_MINUTE": "-5"], variable: "RATE_LIMIT_PER_MINUTE", shown: "-5"),
        Case(
            env: ["RATE_LIMIT_PER_MINUTE": "9223372036854775808"], variable: "RATE_LIMIT_PER_MINUTE",
            shown: "9223372036854775808"),
        Case(env: ["RATE_LIMIT_BURST": "0"], variable: "RATE_LIMIT_BURST", shown: "0"),
        Case(env: ["RATE_LIMIT_BURST": " 10"], variable: "RATE_LIMIT_BURST", shown: nil),
        Case(env: ["RATE_LIMIT_MAX_KEYS": "0"], variable: "RATE_LIMIT_MAX_KEYS", shown: "0"),
        Case(env: ["MAX_CONNECTIONS": "0"], variable: "MAX_CONNECTIONS", shown: "0"),
        Case(env: ["MAX_CONNECTIONS": "lots"], variable: "MAX_CONNECTIONS", shown: "lots"),
        Case(env: ["CLIENT_HEADER_TIMEOUT_SECONDS": "0"], variable: "CLIENT_HEADER_TIMEOUT_SECONDS", shown: "0"),
        Case(env: ["CLIENT_IDLE_TIMEOUT_SECONDS": "x"], variable: "CLIENT_IDLE_TIMEOUT_SECONDS", shown: "x"),
        Case(env: ["UPSTREAM_CONNECT_TIMEOUT_MS": "0"], variable: "UPSTREAM_CONNECT_TIMEOUT_MS", shown: "0"),
        Case(env: ["UPSTREAM_RESPONSE_TIMEOUT_MS": "1e3"], variable: "UPSTREAM_RESPONSE_TIMEOUT_MS", shown: "1e3"),
        Case(env: ["SHUTDOWN_GRACE_SECONDS": "ten"], variable: "SHUTDOWN_GRACE_SECONDS", shown: "ten"),
        Case(env: ["SHUTDOWN_DELAY_SECONDS": "-1"], variable: "SHUTDOWN_DELAY_SECONDS", shown: "-1"),
        Case(env: ["JWT_LEEWAY_SECONDS": "soon"], variable: "JWT_LEEWAY_SECONDS", shown: "soon"),
        Case(env: ["JWT_SECRET": ""], variable: "JWT_SECRET", shown: nil),
        Case(env: ["LOG_FORMAT": "xml"], variable: "LOG_FORMAT", shown: "xml"),
        Case(env: ["LOG_LEVEL": "loud"], variable: "LOG_LEVEL", shown: "loud"),
        Case(env: ["RATE_LIMIT_REDIS_URL": "cache:6379"], variable: "RATE_LIMIT_REDIS_URL", shown: "cache:6379"),
        Case(
            env: ["RATE_LIMIT_REDIS_URL": "redis://cache:0"], variable: "RATE_LIMIT_REDIS_URL", shown: "redis://cache:0"
        ),
        Case(
            env: ["RATE_LIMIT_REDIS_URL": "rediss://cache"], variable: "RATE_LIMIT_REDIS_URL", shown: "rediss://cache"),
        // The password is masked in the line: the test's shared check refuses "hunter2-very-secret".
        Case(
            env: ["RATE_LIMIT_REDIS_URL": "redis://:hunter2-very-secret@cache:port"], variable: "RATE_LIMIT_REDIS_URL",
            shown: "redis://***@cache:port"),
        Case(
            env: ["RATE_LIMIT_REDIS_URL": "redis://hunter2-very-secret@cache"], variable: "RATE_LIMIT_REDIS_URL",
            shown: "redis://***@cache"),
        Case(env: ["RATE_LIMIT_SYNC_MS": "0"], variable: "RATE_LIMIT_SYNC_MS", shown: "0"),
        Case(env: ["RATE_LIMIT_SYNC_MS": "fast"], variable: "RATE_LIMIT_SYNC_MS", shown: "fast"),
    ]

    @Test(arguments: cases)
    func malformedValueThrowsNamingTheVariable(_ c: Case) {
        var env = c.env
        env["JWT_SECRET"] = env["JWT_SECRET"] ?? "hunter2-very-secret"
        do {
            _ = try GatewayConfiguration(environment: env)
            Issue.record("accepted \(c.env)")
        } catch {
            #expect(error.variable == c.variable)
            let line = error.description
            #expect(line.contains(c.variable), "\(line)")
            if let shown = c.shown { #expect(line.contains(shown), "\(line)") }
            #expect(!line.contains("hunter2-very-secret"), "\(line)")
            #expect(!line.contains("\n"), "\(line)")
        }
    }

    @Test func redisURLAndSyncInterval() throws {
        let c = try GatewayConfiguration(environment: [
            "RATE_LIMIT_REDIS_URL": "redis://:pw@cache:6380/2", "RATE_LIMIT_SYNC_MS": "10",
        ])
        #expect(c.rateLimitRedis == RedisURL(host: "cache", port: 6380, password: "pw", database: 2))
        #expect(c.rateLimitSyncMilliseconds == 10)
        let defaults = try GatewayConfiguration(environment: ["RATE_LIMIT_REDIS_URL": ""])
        #expect(defaults.rateLimitRedis == nil, "empty means unset, as for TRUSTED_PROXIES")
        #expect(defaults.rateLimitSyncMilliseconds == 20)
    }

    @Test func zeroAllowedWhereItMeansOff() throws {
        let c = try GatewayConfiguration(environment: ["SHUTDOWN_DELAY_SECONDS": "0", "JWT_LEEWAY_SECONDS": "0"])
        #expect(c.shutdownDelaySeconds == 0)
        #expect(c.jwtLeewaySeconds == 0)
    }
}
