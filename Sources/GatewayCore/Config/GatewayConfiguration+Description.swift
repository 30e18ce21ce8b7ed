/// What printing a configuration shows: never the JWT secret, nor the TLS key material.
///
/// Without these, Swift prints a struct by reflection, every field included: swift-service-lifecycle
/// logs its services that way at debug level, and the secret reached the log (found by reading a
/// debug log, tested in `ConfigurationDescriptionTests`).
extension GatewayConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var parts = [
            "host: \(host)", "port: \(port)", "jwt_secret: <redacted>", "metrics_port: \(metricsPort)",
            "tls: \(tls != nil || tlsCertificateFile != nil)", "routes: \(configFile ?? "built-in")",
        ]
        // RedisURL's description never shows its password.
        if let rateLimitRedis { parts.append("rate_limit_redis: \(rateLimitRedis)") }
        return "GatewayConfiguration(" + parts.joined(separator: ", ") + ")"
    }

    public var debugDescription: String { description }

    /// `dump` and reflection-based printing see the summary, not the fields.
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}
