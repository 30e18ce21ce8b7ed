import Logging
import NIOCore

/// What every connection of the gateway shares: immutable after start-up.
///
/// A class: handlers read its fields per request, and one reference costs one retain where a
/// struct of a dozen references would cost a dozen.
final class GatewayShared: Sendable {
    let configuration: GatewayConfiguration
    let pipeline: RequestPipeline
    let cors: CORSPolicy
    let rateLimitHeaders: RateLimitHeaders
    let clientTimeouts: ClientConnectionStateMachine.Timeouts
    /// The TLS context new connections get (SIGHUP replaces it), when TLS is configured.
    let tls: TLSContextBox?
    /// Diagnostics (stderr), never the access log.
    let logger: Logger
    /// Addresses refused at accept after abusing HTTP/2 (SPEC §17).
    let abuseBans: AbuseBans

    init(configuration: GatewayConfiguration, readiness: Readiness, logger: Logger, tls: TLSContextBox?) {
        self.tls = tls
        self.logger = logger
        self.configuration = configuration
        abuseBans = AbuseBans(base: .seconds(configuration.http2AbuseBanSeconds))
        pipeline = RequestPipeline(
            configuration: configuration, routing: configuration.file?.makeRoutingTable(), readiness: readiness)
        cors = CORSPolicy(origins: configuration.corsAllowedOrigins)
        rateLimitHeaders = RateLimitHeaders(
            burst: configuration.rateLimitBurst, perMinute: configuration.rateLimitPerMinute)
        clientTimeouts = .init(
            header: .seconds(configuration.clientHeaderTimeoutSeconds),
            idle: .seconds(configuration.clientIdleTimeoutSeconds),
            progress: .seconds(configuration.progressTimeoutSeconds),
            response: .milliseconds(configuration.upstreamResponseTimeoutMilliseconds))
    }
}
