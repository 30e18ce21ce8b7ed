public import Logging
public import RESP

/// Every setting of SPEC §2, parsed and validated once at start-up.
///
/// Nothing else in the gateway reads the environment; tests build one of these directly.
public struct GatewayConfiguration: Sendable {
    public static let defaultJWTSecret = "aegis-local-dev-secret-change-in-production"

    public enum LogFormat: String, Sendable { case json, text }

    /// Which defaults apply: `dev` binds to loopback and logs text (SPEC §13).
    public enum Profile: Sendable { case serve, dev }

    public var host: String = "::"
    public var port: Int = 8000
    public var jwtSecret: String = Self.defaultJWTSecret
    public var jwtIssuer: String? = "aegis-gateway"
    public var jwtLeewaySeconds: Double = 0
    public var upstreams: [ServiceName: UpstreamURL] = Dictionary(
        uniqueKeysWithValues: ServiceName.builtIn.map { ($0, UpstreamURL(host: "localhost", port: $0.defaultPort)) }
    )
    /// Further endpoints of a service whose `*_URL` lists several, comma-separated (SPEC §15);
    /// the first is in `upstreams`.
    public var extraEndpoints: [ServiceName: [UpstreamURL]] = [:]
    /// Every endpoint of each built-in service.
    public var endpoints: [ServiceName: [UpstreamURL]] {
        upstreams.reduce(into: [:]) { out, entry in out[entry.key] = [entry.value] + (extraEndpoints[entry.key] ?? []) }
    }
    public var metricsHost: String = "127.0.0.1"
    /// 0 disables the metrics listener.
    public var metricsPort: Int = 9090
    /// CONFIG_FILE: services and routes come from this file (SPEC §14) instead of the built-in
    /// table and the `*_URL` variables.
    public var configFile: String? = nil
    /// The file's content, once loaded (`aegis-gateway` loads it before starting).
    public var file: ConfigurationFile? = nil
    /// CONFIG_WATCH_SECONDS: how often the file is checked for a change; 0 turns watching off.
    public var configWatchSeconds: Int64 = 5
    /// `*_URL` variables set while CONFIG_FILE is: ignored, and named in a warning at start.
    public var ignoredURLVariables: [String] = []
    public var rateLimitPerMinute: Int64 = 100
    public var rateLimitBurst: Int64 = 10
    public var rateLimitMaxKeys: Int = 100_000
    /// RATE_LIMIT_REDIS_URL: buckets shared with every gateway using this Redis (SPEC §16).
    public var rateLimitRedis: RedisURL? = nil
    /// RATE_LIMIT_SYNC_MS: how often local takes are reconciled with Redis.
    public var rateLimitSyncMilliseconds: Int64 = 20
    /// How long a Redis round may wait for its reply before the store counts as down: 50 ms, so a
    /// slow Redis never holds the limiter back. Not a variable; tests beside CPU hogs lengthen it.
    public var rateLimitRedisReplyTimeoutMilliseconds: Int64 = 50
    public var maxConnections: Int = 10_000
    /// TLS_CERT_FILE and TLS_KEY_FILE (SPEC §17): both or neither; with them the port speaks TLS.
    public var tlsCertificateFile: String? = nil
    public var tlsKeyFile: String? = nil
    /// The pair read from those files (by `loadTLS()`), or made in memory (`dev --tls`, tests).
    public var tls: TLSCredentials? = nil
    /// HTTP2_MAX_CONCURRENT_STREAMS: streams one HTTP/2 connection may have open at once.
    public var http2MaxConcurrentStreams: Int = 100
    /// Receive windows; not a variable of the SPEC's: tests make them small.
    public var http2Windows = HTTP2Windows()
    /// HTTP2_ABUSE_BAN_SECONDS: after a connection is cut for abuse (GOAWAY ENHANCE_YOUR_CALM),
    /// its address's new connections are refused this long, doubled for each repeat; 0: never.
    public var http2AbuseBanSeconds: Int64 = 10
    public var trustedProxies: [CIDR] = []
    public var corsAllowedOrigins: CORSOrigins = .any
    public var clientHeaderTimeoutSeconds: Int64 = 10
    public var clientIdleTimeoutSeconds: Int64 = 60
    /// A body upload or response write that makes no progress for this long is closed (SPEC §10).
    public var progressTimeoutSeconds: Int64 = 60
    public var upstreamConnectTimeoutMilliseconds: Int64 = 5000
    /// UPSTREAM_DNS_REFRESH_SECONDS: host names of endpoints are resolved again this often.
    public var upstreamDNSRefreshSeconds: Int64 = 30
    /// How host names are resolved (tests inject their own).
    public var hostResolver: HostResolver = .system
    /// SPEC §15: an ejected endpoint is out for this × the times it was ejected (at most 10 ×).
    /// Fixed by the SPEC at 30; tests shorten it.
    public var upstreamEjectionBaseSeconds: Int64 = 30
    public var upstreamResponseTimeoutMilliseconds: Int64 = 60_000
    public var shutdownDelaySeconds: Int64 = 0
    public var shutdownGraceSeconds: Int64 = 10
    public var logLevel: Logger.Level = .info
    public var logFormat: LogFormat = .json

    public var usesDefaultJWTSecret: Bool { jwtSecret == Self.defaultJWTSecret }

    public init() {}

    public init(profile: Profile) {
        if profile == .dev {
            host = "127.0.0.1"
            logFormat = .text
        }
    }

    /// Reads the SPEC §2 variables; the first bad one throws, naming itself.
    public init(environment env: [String: String], profile: Profile = .serve) throws(ConfigurationError) {
        self.init(profile: profile)
        let reader = EnvironmentReader(env)
        host = try reader.string("API_GATEWAY_HOST", default: host, nonEmpty: true)
        port = try reader.port("API_GATEWAY_PORT", default: port)
        if let secret = env["JWT_SECRET"] {
            guard !secret.isEmpty else { throw ConfigurationError("JWT_SECRET", value: nil, "must not be empty") }
            jwtSecret = secret
        }
        let issuer = env["JWT_ISSUER"] ?? "aegis-gateway"
        jwtIssuer = issuer.isEmpty ? nil : issuer
        jwtLeewaySeconds = Double(try reader.integer("JWT_LEEWAY_SECONDS", default: 0, allowZero: true))
        if let file = env["CONFIG_FILE"] {
            guard !file.isEmpty else { throw ConfigurationError("CONFIG_FILE", value: file, "must not be empty") }
            configFile = file
        }
        configWatchSeconds = try reader.integer("CONFIG_WATCH_SECONDS", default: configWatchSeconds, allowZero: true)
        for service in ServiceName.builtIn {
            guard let raw = env[service.environmentVariable] else { continue }
            if configFile != nil {
                ignoredURLVariables.append(service.environmentVariable)
                continue
            }
            var urls: [UpstreamURL] = []
            for item in raw.split(separator: ",", omittingEmptySubsequences: false) {
                guard let url = UpstreamURL(parsing: String(item.trimmingASCIISpaces())) else {
                    throw ConfigurationError(
                        service.environmentVariable, value: raw,
                        "expected http://host[:port][/base-path], comma-separated")
                }
                urls.append(url)
            }
            upstreams[service] = urls[0]
            extraEndpoints[service] = urls.count > 1 ? Array(urls.dropFirst()) : nil
        }
        metricsHost = try reader.string("METRICS_HOST", default: metricsHost, nonEmpty: true)
        metricsPort = try reader.port("METRICS_PORT", default: metricsPort, allowZero: true)
        if metricsPort == port {
            throw ConfigurationError("METRICS_PORT", value: String(metricsPort), "must differ from API_GATEWAY_PORT")
        }
        rateLimitPerMinute = try reader.integer("RATE_LIMIT_PER_MINUTE", default: rateLimitPerMinute)
        rateLimitBurst = try reader.integer("RATE_LIMIT_BURST", default: rateLimitBurst)
        rateLimitMaxKeys = Int(try reader.integer("RATE_LIMIT_MAX_KEYS", default: Int64(rateLimitMaxKeys)))
        rateLimitRedis = try reader.redisURL("RATE_LIMIT_REDIS_URL")
        rateLimitSyncMilliseconds = try reader.integer("RATE_LIMIT_SYNC_MS", default: rateLimitSyncMilliseconds)
        maxConnections = Int(try reader.integer("MAX_CONNECTIONS", default: Int64(maxConnections)))
        tlsCertificateFile = env["TLS_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        tlsKeyFile = env["TLS_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        if tlsCertificateFile != nil && tlsKeyFile == nil {
            throw ConfigurationError("TLS_KEY_FILE", value: nil, "must be set with TLS_CERT_FILE")
        }
        if tlsKeyFile != nil && tlsCertificateFile == nil {
            throw ConfigurationError("TLS_CERT_FILE", value: nil, "must be set with TLS_KEY_FILE")
        }
        http2MaxConcurrentStreams = Int(
            try reader.integer("HTTP2_MAX_CONCURRENT_STREAMS", default: Int64(http2MaxConcurrentStreams)))
        http2AbuseBanSeconds = try reader.integer(
            "HTTP2_ABUSE_BAN_SECONDS", default: http2AbuseBanSeconds, allowZero: true)
        clientHeaderTimeoutSeconds = try reader.integer(
            "CLIENT_HEADER_TIMEOUT_SECONDS", default: clientHeaderTimeoutSeconds)
        clientIdleTimeoutSeconds = try reader.integer("CLIENT_IDLE_TIMEOUT_SECONDS", default: clientIdleTimeoutSeconds)
        shutdownDelaySeconds = try reader.integer(
            "SHUTDOWN_DELAY_SECONDS", default: shutdownDelaySeconds, allowZero: true)
        shutdownGraceSeconds = try reader.integer(
            "SHUTDOWN_GRACE_SECONDS", default: shutdownGraceSeconds, allowZero: true)
        upstreamDNSRefreshSeconds = try reader.integer(
            "UPSTREAM_DNS_REFRESH_SECONDS", default: upstreamDNSRefreshSeconds)
        upstreamConnectTimeoutMilliseconds = try reader.integer(
            "UPSTREAM_CONNECT_TIMEOUT_MS", default: upstreamConnectTimeoutMilliseconds)
        upstreamResponseTimeoutMilliseconds = try reader.integer(
            "UPSTREAM_RESPONSE_TIMEOUT_MS", default: upstreamResponseTimeoutMilliseconds)
        trustedProxies = try reader.cidrList("TRUSTED_PROXIES")
        corsAllowedOrigins = try reader.origins("CORS_ALLOWED_ORIGINS")
        logLevel = try reader.logLevel("LOG_LEVEL", default: logLevel)
        if let raw = env["LOG_FORMAT"] {
            guard let format = LogFormat(rawValue: raw.lowercased()) else {
                throw ConfigurationError("LOG_FORMAT", value: raw, "expected json or text")
            }
            logFormat = format
        }
    }

    /// Reads TLS_CERT_FILE and TLS_KEY_FILE when set; a problem names its variable.
    public mutating func loadTLS() throws(ConfigurationError) {
        guard let certificateFile = tlsCertificateFile, let keyFile = tlsKeyFile else { return }
        tls = try TLSCredentials.load(certificateFile: certificateFile, keyFile: keyFile)
    }
}
