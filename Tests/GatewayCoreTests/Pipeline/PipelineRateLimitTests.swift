import NIOHTTP1
import Testing

@testable import GatewayCore

/// SPEC §5 through `RequestPipeline.decide`, with monotonic time injected.
@Suite("RequestPipeline rate limiting")
struct PipelineRateLimitTests {
    static let publicPath = "/api/v1/entity-types"

    @Test func tenImmediateRequestsPassThenRetryAfterOneThenRefill() {
        var driver = PipelineDriver(burst: 10, perMinute: 100)
        for i in 1...10 {
            let outcome = driver.decide(.GET, Self.publicPath)
            #expect(outcome.isForward, "request \(i): \(outcome.summary)")
        }
        let eleventh = driver.decide(.GET, Self.publicPath)
        #expect(eleventh.statusCode == 429, "\(eleventh.summary)")
        #expect(eleventh.local?.error == .rateLimited)
        #expect(eleventh.header("Retry-After") == "1")
        #expect(eleventh.audit.rateLimited)

        // 100/min is 1⅔ tokens a second: 0.6 s buys exactly one token.
        driver.clock += 0.6
        let refilled = driver.decide(.GET, Self.publicPath)
        #expect(refilled.isForward, "\(refilled.summary)")
        let again = driver.decide(.GET, Self.publicPath)
        #expect(again.statusCode == 429, "\(again.summary)")
    }

    @Test func retryAfterIsTheWaitRoundedUp() {
        // 6/min: one token every 10 s.
        var driver = PipelineDriver(burst: 1, perMinute: 6)
        #expect(driver.decide(.GET, Self.publicPath).isForward)
        #expect(driver.decide(.GET, Self.publicPath).header("Retry-After") == "10")
        driver.clock += 2.5
        #expect(driver.decide(.GET, Self.publicPath).header("Retry-After") == "8")
        driver.clock += 7.4
        #expect(driver.decide(.GET, Self.publicPath).header("Retry-After") == "1")
        driver.clock += 0.1
        #expect(driver.decide(.GET, Self.publicPath).isForward)
    }

    @Test func forwardedRequestsCarryTheLimiterDecision() {
        let driver = PipelineDriver(burst: 10, perMinute: 100)
        let first = driver.decide(.GET, Self.publicPath)
        let second = driver.decide(.GET, Self.publicPath)
        #expect(first.plan?.rateLimit?.limit == 10)
        #expect(first.plan?.rateLimit?.remaining == 9)
        #expect(second.plan?.rateLimit?.remaining == 8)
    }

    @Test func ipv6ClientsInTheSame64ShareABucket() {
        let driver = PipelineDriver(burst: 1, perMinute: 1)
        #expect(driver.decide(.GET, Self.publicPath, peer: "2001:db8:1:2::1").isForward)
        #expect(driver.decide(.GET, Self.publicPath, peer: "2001:db8:1:2:ffff:ffff:ffff:ffff").statusCode == 429)
        #expect(driver.decide(.GET, Self.publicPath, peer: "2001:db8:1:2:abcd::9").statusCode == 429)
        // The neighbouring /64 is another client.
        #expect(driver.decide(.GET, Self.publicPath, peer: "2001:db8:1:3::1").isForward)
        #expect(driver.decide(.GET, Self.publicPath, peer: "2001:db8:1:1::1").isForward)
    }

    @Test func ipv4MappedIPv6IsKeyedAsIPv4() {
        let driver = PipelineDriver(burst: 1, perMinute: 1)
        let mapped = driver.decide(.GET, Self.publicPath, peer: "::ffff:198.51.100.7")
        #expect(mapped.isForward)
        #expect(mapped.audit.clientAddress == PipelineDriver.address("198.51.100.7"))
        #expect(driver.decide(.GET, Self.publicPath, peer: "198.51.100.7").statusCode == 429)
        // And the other way round; a different IPv4 host is not affected.
        #expect(driver.decide(.GET, Self.publicPath, peer: "198.51.100.8").isForward)
        #expect(driver.decide(.GET, Self.publicPath, peer: "::ffff:198.51.100.8").statusCode == 429)
        // ::ffff:0:0/96 is not the same as the IPv6 /64 ::/64 of other addresses.
        #expect(driver.decide(.GET, Self.publicPath, peer: "::1").isForward)
    }

    @Test func validTokensAreKeyedByUserAndInvalidOnesByAddress() {
        let driver = PipelineDriver(burst: 1, perMinute: 1)
        let alice = [SecurityTokens.bearer(SecurityTokens.valid("alice"))]
        let bob = [SecurityTokens.bearer(SecurityTokens.valid("bob"))]
        // Same address, different users: separate buckets.
        #expect(driver.decide(.GET, Self.publicPath, headers: alice).isForward)
        #expect(driver.decide(.GET, Self.publicPath, headers: alice).statusCode == 429)
        #expect(driver.decide(.GET, Self.publicPath, headers: bob).isForward)
        // Alice from another address is still Alice.
        #expect(driver.decide(.GET, Self.publicPath, headers: alice, peer: "203.0.113.50").statusCode == 429)
        // The address bucket is untouched by the users...
        #expect(driver.decide(.GET, Self.publicPath).isForward)
        // ...and an invalid token (even one naming a fresh user) lands in it.
        let forged = SecurityTokens.token(SecurityTokens.claims(userID: #""carol""#), secret: "wrong")
        let junk = driver.decide(.GET, Self.publicPath, headers: [SecurityTokens.bearer(forged)])
        #expect(junk.statusCode == 429, "\(junk.summary)")
        #expect(junk.audit.userID == nil)
        // Carol's real bucket is full.
        #expect(
            driver.decide(.GET, Self.publicPath, headers: [SecurityTokens.bearer(SecurityTokens.valid("carol"))])
                .isForward)
    }

    @Test func untrustedPeerCannotChooseItsBucketWithForwardedFor() {
        let driver = PipelineDriver(burst: 1, perMinute: 1)
        #expect(driver.decide(.GET, Self.publicPath, headers: [("X-Forwarded-For", "192.0.2.1")]).isForward)
        let spoofed = driver.decide(.GET, Self.publicPath, headers: [("X-Forwarded-For", "192.0.2.2")])
        #expect(spoofed.statusCode == 429)
        #expect(spoofed.audit.clientAddress == PipelineDriver.address("198.51.100.7"))
    }

    @Test func trustedProxyForwardedForIsUsedForTheKey() {
        let driver = PipelineDriver(burst: 1, perMinute: 1) {
            $0.trustedProxies = [CIDR(parsing: "10.0.0.0/8")!]
        }
        let proxy = "10.1.1.1"
        let one = driver.decide(
            .GET, Self.publicPath, headers: [("X-Forwarded-For", "192.0.2.1, 10.2.2.2")], peer: proxy)
        #expect(one.isForward)
        #expect(one.audit.clientAddress == PipelineDriver.address("192.0.2.1"))
        #expect(
            driver.decide(.GET, Self.publicPath, headers: [("X-Forwarded-For", "192.0.2.1")], peer: proxy).statusCode
                == 429)
        #expect(
            driver.decide(.GET, Self.publicPath, headers: [("X-Forwarded-For", "192.0.2.2")], peer: proxy).isForward)
        // XFF split over two lines is read as one list.
        let split = driver.decide(
            .GET, Self.publicPath, headers: [("X-Forwarded-For", "192.0.2.3"), ("X-Forwarded-For", "10.3.3.3")],
            peer: proxy)
        #expect(split.audit.clientAddress == PipelineDriver.address("192.0.2.3"))
    }
}
