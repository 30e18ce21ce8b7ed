import NIOHTTP1
import Testing

@testable import GatewayCore

/// SPEC §6 time rules through `RequestPipeline.decide` with an injected wall clock,
/// including tokens served from the per-loop verified-token cache.
@Suite("RequestPipeline token time rules")
struct PipelineTokenClockTests {
    static let t: Int64 = 1_900_000_000
    static let path = "/api/v1/conversations"

    static func token(exp: Int64?, iat: Int64? = nil, nbf: Int64? = nil, user: String = "clock-user") -> [(
        String, String
    )] {
        let claims = SecurityTokens.claims(
            userID: TestTokens.quoted(user), exp: exp.map(String.init), iat: iat.map(String.init),
            nbf: nbf.map(String.init))
        return [SecurityTokens.bearer(SecurityTokens.token(claims))]
    }

    @Test func cachedTokenStopsWorkingWhenItExpires() {
        let driver = PipelineDriver()
        let headers = Self.token(exp: Self.t + 10)
        let fresh = driver.decide(.GET, Self.path, headers: headers, wallClock: Double(Self.t))
        #expect(fresh.isForward, "\(fresh.summary)")
        #expect(driver.tokens.count == 1)
        let cached = driver.decide(.GET, Self.path, headers: headers, wallClock: Double(Self.t + 9))
        #expect(cached.isForward, "\(cached.summary)")
        let atExpiry = driver.decide(.GET, Self.path, headers: headers, wallClock: Double(Self.t + 10))
        #expect(atExpiry.statusCode == 401, "exp is exclusive: \(atExpiry.summary)")
        #expect(atExpiry.header("WWW-Authenticate") == #"Bearer error="invalid_token""#)
        let later = driver.decide(.GET, Self.path, headers: headers, wallClock: Double(Self.t + 3600))
        #expect(later.statusCode == 401)
    }

    @Test func notBeforeAndIssuedAtInTheFutureAreRefusedUntilTheyArrive() {
        let driver = PipelineDriver()
        let nbf = Self.token(exp: Self.t + 3600, nbf: Self.t + 100, user: "nbf")
        #expect(driver.decide(.GET, Self.path, headers: nbf, wallClock: Double(Self.t)).statusCode == 401)
        #expect(driver.decide(.GET, Self.path, headers: nbf, wallClock: Double(Self.t + 100)).isForward)
        let iat = Self.token(exp: Self.t + 3600, iat: Self.t + 100, user: "iat")
        #expect(driver.decide(.GET, Self.path, headers: iat, wallClock: Double(Self.t + 99)).statusCode == 401)
        #expect(driver.decide(.GET, Self.path, headers: iat, wallClock: Double(Self.t + 100)).isForward)
    }

    @Test func leewayAppliesToExpNbfAndIat() {
        let driver = PipelineDriver { $0.jwtLeewaySeconds = 30 }
        let now = Double(Self.t)
        #expect(
            driver.decide(.GET, Self.path, headers: Self.token(exp: Self.t - 20, user: "a"), wallClock: now).isForward)
        #expect(
            driver.decide(.GET, Self.path, headers: Self.token(exp: Self.t - 31, user: "b"), wallClock: now).statusCode
                == 401)
        #expect(
            driver.decide(
                .GET, Self.path, headers: Self.token(exp: Self.t + 60, nbf: Self.t + 20, user: "c"), wallClock: now
            ).isForward)
        #expect(
            driver.decide(
                .GET, Self.path, headers: Self.token(exp: Self.t + 60, nbf: Self.t + 40, user: "d"), wallClock: now
            ).statusCode == 401)
        #expect(
            driver.decide(
                .GET, Self.path, headers: Self.token(exp: Self.t + 60, iat: Self.t + 20, user: "e"), wallClock: now
            ).isForward)
        #expect(
            driver.decide(
                .GET, Self.path, headers: Self.token(exp: Self.t + 60, iat: Self.t + 40, user: "f"), wallClock: now
            ).statusCode == 401)
        // A token cached inside the leeway expires with it.
        let g = Self.token(exp: Self.t, user: "g")
        #expect(driver.decide(.GET, Self.path, headers: g, wallClock: now + 29).isForward)
        #expect(driver.decide(.GET, Self.path, headers: g, wallClock: now + 30).statusCode == 401)
    }

    @Test func issuerCheckCanBeDisabled() {
        let strict = PipelineDriver()
        let lax = PipelineDriver { $0.jwtIssuer = nil }
        let noIss = [SecurityTokens.bearer(SecurityTokens.token(SecurityTokens.claims(iss: nil)))]
        let otherIss = [SecurityTokens.bearer(SecurityTokens.token(SecurityTokens.claims(iss: #""elsewhere""#)))]
        #expect(strict.decide(.GET, Self.path, headers: noIss).statusCode == 401)
        #expect(strict.decide(.GET, Self.path, headers: otherIss).statusCode == 401)
        #expect(lax.decide(.GET, Self.path, headers: noIss).isForward)
        #expect(lax.decide(.GET, Self.path, headers: otherIss).isForward)
    }

    @Test func aTokenSignedWithAnotherSecretIsNeverCached() {
        let driver = PipelineDriver()
        let forged = [SecurityTokens.bearer(SecurityTokens.token(secret: "other-secret"))]
        for _ in 0..<3 {
            #expect(driver.decide(.GET, Self.path, headers: forged).statusCode == 401)
        }
        #expect(driver.tokens.count == 0)
    }
}
