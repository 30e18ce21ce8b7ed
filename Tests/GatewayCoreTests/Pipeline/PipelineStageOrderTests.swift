import NIOHTTP1
import Testing

@testable import GatewayCore

/// SPEC §3: hygiene → CORS → limiter → auth → roles → route, via `RequestPipeline.decide`.
@Suite("RequestPipeline stage order")
struct PipelineStageOrderTests {
    static let publicPath = "/api/v1/entity-types"

    @Test func optionsIsAnsweredBeforeTheLimiterAndAuth() {
        let driver = PipelineDriver(burst: 1, perMinute: 1)
        for target in ["/api/v1/admin/x", "/api/v1/conversations", "/nowhere", Self.publicPath] {
            for _ in 0..<3 {
                let outcome = driver.decide(.OPTIONS, target, headers: [SecurityTokens.bearer("junk")])
                #expect(outcome.statusCode == 200, "\(target): \(outcome.summary)")
                #expect(outcome.local?.body == "")
                #expect(outcome.local?.error == nil)
            }
        }
        // The bucket is still full.
        #expect(driver.decide(.GET, Self.publicPath).isForward)
        #expect(driver.decide(.GET, Self.publicPath).statusCode == 429)
    }

    @Test func hygieneRefusalsAreNotCounted() {
        let driver = PipelineDriver(burst: 1, perMinute: 1)
        for target in ["/api/v1/entity-types/../admin", "/api/v1/%2e%2e/x", "/a%2Fb", "http://x/y"] {
            let outcome = driver.decide(.GET, target)
            #expect(outcome.statusCode == 400, "\(target): \(outcome.summary)")
            #expect(!outcome.audit.rateLimited)
        }
        #expect(driver.decide(.TRACE, Self.publicPath).statusCode == 405)
        #expect(driver.decide(.GET, Self.publicPath).isForward)
    }

    @Test func healthAndReadyAreNotLimited() {
        let driver = PipelineDriver(burst: 1, perMinute: 1)
        for _ in 0..<5 {
            #expect(driver.decide(.GET, "/health").statusCode == 200)
            #expect(driver.decide(.HEAD, "/ready").statusCode == 200)
        }
        #expect(driver.decide(.GET, Self.publicPath).isForward)
    }

    @Test func limiterRunsBeforeAuthentication() {
        let driver = PipelineDriver(burst: 1, perMinute: 1)
        let first = driver.decide(.GET, "/api/v1/conversations")
        #expect(first.statusCode == 401)
        #expect(first.header("WWW-Authenticate") == "Bearer")
        // The refused anonymous request still spent the address bucket.
        let second = driver.decide(.GET, "/api/v1/conversations")
        #expect(second.statusCode == 429)
        #expect(second.header("WWW-Authenticate") == nil)
    }

    @Test func authenticationAndRolesComeFromTheChosenRoute() {
        let driver = PipelineDriver()
        let user = [SecurityTokens.bearer(SecurityTokens.valid("u", roles: ["user"]))]
        let admin = [SecurityTokens.bearer(SecurityTokens.valid("a", roles: ["admin"]))]
        #expect(driver.decide(.GET, "/api/v1/admin/x").statusCode == 401)
        #expect(driver.decide(.GET, "/api/v1/admin/x", headers: user).statusCode == 403)
        #expect(driver.decide(.GET, "/api/v1/admin/x", headers: user).local?.error == .forbidden)
        #expect(driver.decide(.GET, "/api/v1/admin/x", headers: admin).isForward)
        #expect(driver.decide(.GET, "/api/v1/detection-rules", headers: user).statusCode == 403)
        #expect(driver.decide(.GET, "/api/v1/entity-typesX").statusCode == 401)
        #expect(driver.decide(.GET, "/api/v1/entity-typesX", headers: user).statusCode == 404)
        #expect(driver.decide(.GET, "/api/v1/entity-types/x").isForward)
        // 405 only once authenticated, like every route.
        #expect(driver.decide(.GET, "/api/v1/agents/a/execute").statusCode == 401)
        let notAllowed = driver.decide(.GET, "/api/v1/agents/a/execute", headers: user)
        #expect(notAllowed.statusCode == 405)
        #expect(notAllowed.header("Allow") == "POST")
    }

    @Test func identityOnPublicPaths() {
        let driver = PipelineDriver()
        let valid = driver.decide(
            .GET, Self.publicPath, headers: [SecurityTokens.bearer(SecurityTokens.valid("pub", roles: ["r1", "r2"]))])
        #expect(valid.plan?.identity?.userID == "pub")
        #expect(valid.plan?.identity?.rolesHeaderValue == "r1,r2")
        let invalid = driver.decide(.GET, Self.publicPath, headers: [SecurityTokens.bearer("junk")])
        #expect(invalid.isForward)
        #expect(invalid.plan?.identity == nil)
    }

    @Test func ambiguousCredentialsAreInvalid() {
        let driver = PipelineDriver()
        let token = SecurityTokens.valid()
        let twoHeaders = driver.decide(
            .GET, "/api/v1/conversations", headers: [SecurityTokens.bearer(token), SecurityTokens.bearer(token)])
        #expect(twoHeaders.statusCode == 401)
        #expect(twoHeaders.header("WWW-Authenticate") == #"Bearer error="invalid_token""#)
        let twoCookies = driver.decide(
            .GET, "/api/v1/conversations", headers: [("Cookie", "aegis_token=\(token); aegis_token=\(token)")])
        #expect(twoCookies.statusCode == 401)
        // On a public path ambiguous credentials give no identity.
        let publicAmbiguous = driver.decide(
            .GET, Self.publicPath, headers: [SecurityTokens.bearer(token), SecurityTokens.bearer(token)])
        #expect(publicAmbiguous.isForward)
        #expect(publicAmbiguous.plan?.identity == nil)
    }
}
