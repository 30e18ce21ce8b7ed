import Foundation
import GatewayCore
import Logging
import Testing

/// SPEC §2: every variable is read, and each has its documented default.
@Suite struct ConfigurationDefaultsTests {
    @Test func emptyEnvironmentGivesEveryDefault() throws {
        let c = try GatewayConfiguration(environment: [:])
        #expect(c.port == 8000)
        #expect(c.host == "::")
        #expect(c.jwtSecret == "aegis-local-dev-secret-change-in-production")
        #expect(c.usesDefaultJWTSecret)
        #expect(c.jwtIssuer == "aegis-gateway")
        #expect(c.jwtLeewaySeconds == 0)
        #expect(c.metricsHost == "127.0.0.1")
        #expect(c.metricsPort == 9090)
        #expect(c.rateLimitPerMinute == 100)
        #expect(c.rateLimitBurst == 10)
        #expect(c.rateLimitMaxKeys == 100_000)
        #expect(c.maxConnections == 10_000)
        #expect(c.clientHeaderTimeoutSeconds == 10)
        #expect(c.clientIdleTimeoutSeconds == 60)
        #expect(c.shutdownDelaySeconds == 0)
        #expect(c.shutdownGraceSeconds == 10)
        #expect(c.trustedProxies.isEmpty)
        #expect(c.corsAllowedOrigins == .any)
        #expect(c.upstreamConnectTimeoutMilliseconds == 5000)
        #expect(c.upstreamResponseTimeoutMilliseconds == 60_000)
        #expect(c.logLevel == .info)
        #expect(c.logFormat == .json)
    }

    @Test(arguments: [
        (ServiceName.orchestration, "http://localhost:8001"),
        (.memory, "http://localhost:8002"),
        (.knowledgeGraph, "http://localhost:8003"),
        (.approval, "http://localhost:8004"),
        (.ingestion, "http://localhost:8005"),
        (.compliance, "http://localhost:8006"),
        (.flaring, "http://localhost:8007"),
        (.auth, "http://localhost:8009"),
    ])
    func upstreamDefaults(service: ServiceName, url: String) throws {
        let c = try GatewayConfiguration(environment: [:])
        #expect(c.upstreams[service]?.description == url)
        #expect(c.upstreams[service]?.basePath == "")
    }

    @Test func everyVariableIsRead() throws {
        let env = [
            "API_GATEWAY_PORT": "8100",
            "API_GATEWAY_HOST": "0.0.0.0",
            "JWT_SECRET": "s3cr3t",
            "JWT_ISSUER": "someone",
            "JWT_LEEWAY_SECONDS": "30",
            "METRICS_HOST": "::",
            "METRICS_PORT": "9191",
            "RATE_LIMIT_PER_MINUTE": "9223372036854775807",
            "RATE_LIMIT_BURST": "20",
            "RATE_LIMIT_MAX_KEYS": "5000",
            "MAX_CONNECTIONS": "7",
            "CLIENT_HEADER_TIMEOUT_SECONDS": "3",
            "CLIENT_IDLE_TIMEOUT_SECONDS": "4",
            "SHUTDOWN_DELAY_SECONDS": "5",
            "SHUTDOWN_GRACE_SECONDS": "6",
            "TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.5,fd00::/8",
            "CORS_ALLOWED_ORIGINS": "https://a.example,https://b.example",
            "UPSTREAM_CONNECT_TIMEOUT_MS": "700",
            "UPSTREAM_RESPONSE_TIMEOUT_MS": "800",
            "LOG_LEVEL": "debug",
            "LOG_FORMAT": "text",
        ]
        let c = try GatewayConfiguration(environment: env)
        #expect(c.port == 8100)
        #expect(c.host == "0.0.0.0")
        #expect(c.jwtSecret == "s3cr3t")
        #expect(!c.usesDefaultJWTSecret)
        #expect(c.jwtIssuer == "someone")
        #expect(c.jwtLeewaySeconds == 30)
        #expect(c.metricsHost == "::")
        #expect(c.metricsPort == 9191)
        #expect(c.rateLimitPerMinute == Int64.max)
        #expect(c.rateLimitBurst == 20)
        #expect(c.rateLimitMaxKeys == 5000)
        #expect(c.maxConnections == 7)
        #expect(c.clientHeaderTimeoutSeconds == 3)
        #expect(c.clientIdleTimeoutSeconds == 4)
        #expect(c.shutdownDelaySeconds == 5)
        #expect(c.shutdownGraceSeconds == 6)
        #expect(c.trustedProxies.map(\.description) == ["10.0.0.0/8", "192.168.1.5/32", "fd00::/8"])
        #expect(c.corsAllowedOrigins == .list(["https://a.example", "https://b.example"]))
        #expect(c.upstreamConnectTimeoutMilliseconds == 700)
        #expect(c.upstreamResponseTimeoutMilliseconds == 800)
        #expect(c.logLevel == .debug)
        #expect(c.logFormat == .text)
    }

    @Test(arguments: [
        (ServiceName.orchestration, "ORCHESTRATION_URL"), (.memory, "MEMORY_URL"),
        (.knowledgeGraph, "KNOWLEDGE_GRAPH_URL"), (.approval, "APPROVAL_URL"), (.ingestion, "INGESTION_URL"),
        (.compliance, "COMPLIANCE_URL"), (.flaring, "FLARING_URL"), (.auth, "AUTH_URL"),
    ])
    func upstreamURLVariableIsRead(service: ServiceName, variable: String) throws {
        let c = try GatewayConfiguration(environment: [variable: "http://svc-\(service.rawValue):7000/base"])
        #expect(c.upstreams[service]?.host == "svc-\(service.rawValue)")
        #expect(c.upstreams[service]?.port == 7000)
        #expect(c.upstreams[service]?.basePath == "/base")
        for other in ServiceName.builtIn where other != service {
            #expect(c.upstreams[other]?.port == other.defaultPort)
        }
    }

    @Test func emptyIssuerDisablesTheIssuerCheck() throws {
        #expect(try GatewayConfiguration(environment: ["JWT_ISSUER": ""]).jwtIssuer == nil)
    }

    @Test func bareIPv6TrustedProxyIsA128() throws {
        let c = try GatewayConfiguration(environment: ["TRUSTED_PROXIES": "2001:db8::1"])
        #expect(c.trustedProxies.map(\.prefixLength) == [128])
    }

    @Test func metricsPortZeroDisablesMetrics() throws {
        #expect(try GatewayConfiguration(environment: ["METRICS_PORT": "0"]).metricsPort == 0)
    }

    @Test(arguments: ["http://kg:8003/v2/", "http://kg:8003/v2//"])
    func trailingSlashOfBasePathIsDropped(url: String) throws {
        let c = try GatewayConfiguration(environment: ["KNOWLEDGE_GRAPH_URL": url])
        #expect(c.upstreams[.knowledgeGraph]?.basePath == "/v2")
        #expect(c.upstreams[.knowledgeGraph]?.description == "http://kg:8003/v2")
    }

    @Test func rootBasePathIsNoBasePath() throws {
        let c = try GatewayConfiguration(environment: ["AUTH_URL": "http://auth:8009/"])
        #expect(c.upstreams[.auth]?.basePath == "")
    }
}
