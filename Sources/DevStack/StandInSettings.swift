import Foundation
import GatewayCore
import NIOCore

/// What every stand-in connection needs from the configuration, resolved once.
struct StandInSettings: Sendable {
    var sseInterval: TimeAmount
    var sseEventCount: Int
    var tokenEndpoint: TokenEndpoint
    /// Seconds since the epoch; a parameter so the token endpoint stays pure.
    var now: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    init(_ configuration: DevStackConfiguration) {
        sseInterval = configuration.sseInterval
        sseEventCount = max(0, configuration.sseEventCount)
        tokenEndpoint = TokenEndpoint(
            minter: JWTMinter(secret: configuration.jwtSecret, issuer: configuration.jwtIssuer)
        )
    }
}
