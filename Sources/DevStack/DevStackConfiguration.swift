public import NIOCore

/// Settings for the stand-in backends that `aegis-gateway dev` starts next to the gateway.
///
/// The defaults bind to loopback only: the dev stack mints tokens for a known user with a
/// known secret, so it must never be reachable from another machine.
public struct DevStackConfiguration: Sendable {
    /// Address every stand-in binds to; each gets its own ephemeral port on it.
    public var host: String = "127.0.0.1"
    /// HS256 secret the auth stand-in signs its tokens with (the gateway's JWT_SECRET).
    public var jwtSecret: String
    /// `iss` claim of minted tokens; nil leaves it out (the gateway's JWT_ISSUER).
    public var jwtIssuer: String?
    /// Pause between two events of a stand-in SSE stream.
    public var sseInterval: TimeAmount = .milliseconds(500)
    /// Number of events a stand-in SSE stream sends before it ends.
    public var sseEventCount: Int = 5

    public init(
        host: String = "127.0.0.1",
        jwtSecret: String,
        jwtIssuer: String?,
        sseInterval: TimeAmount = .milliseconds(500),
        sseEventCount: Int = 5
    ) {
        self.host = host
        self.jwtSecret = jwtSecret
        self.jwtIssuer = jwtIssuer
        self.sseInterval = sseInterval
        self.sseEventCount = sseEventCount
    }
}
