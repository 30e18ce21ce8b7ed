import Testing

@testable import GatewayCore

/// The pure parts of shared limits (SPEC §16): store health transitions and the limiter's
/// bookkeeping of takes to report and answers to apply.
@Suite("Shared limits: state")
struct SharedLimitStateTests {
    @Test("sharing starts on the first clean answer; an outage is logged once; recovery once")
    func health() {
        var health = StoreHealth()
        #expect(!health.isSharing)
        // Unreachable at start-up: one line, no sharing.
        #expect(health.storeFailed(cause: "refused") == [.logOutage(cause: "refused")])
        #expect(health.storeFailed(cause: "refused again") == [])
        #expect(health.storeAnswered() == [.share(true), .logRecovered])
        #expect(health.isSharing)
        #expect(health.storeAnswered() == [])
        // Lost: stop sharing, one line, however many failures follow.
        #expect(health.storeFailed(cause: "timeout") == [.share(false), .logOutage(cause: "timeout")])
        #expect(health.storeFailed(cause: "OOM") == [])
        #expect(health.storeAnswered() == [.share(true), .logRecovered])
    }

    @Test("the first connection is announced, not called a recovery")
    func firstConnection() {
        var health = StoreHealth()
        #expect(health.storeAnswered() == [.share(true), .logConnected])
    }

    @Test("takes are counted only while sharing, and reported once")
    func drain() {
        let limiter = RateLimiter(perMinute: 60, burst: 10, maxKeys: 100)
        let alice = RateLimitKey.user("alice")
        let bob = RateLimitKey.user("bob")
        _ = limiter.take(alice, now: 0)
        #expect(limiter.drainUnsynced(limit: 100).isEmpty, "counted while not sharing")
        limiter.setCountsTakes(true)
        for _ in 0..<3 { _ = limiter.take(alice, now: 0) }
        _ = limiter.take(bob, now: 0)
        let drained = limiter.drainUnsynced(limit: 100).sorted { $0.key.description < $1.key.description }
        #expect(drained.map(\.key) == [alice, bob])
        #expect(drained.map(\.taken) == [3, 1])
        #expect(limiter.drainUnsynced(limit: 100).isEmpty, "reported twice")
        // Refused takes take nothing, so there is nothing to report.
        for _ in 0..<20 { _ = limiter.take(bob, now: 0) }
        #expect(limiter.drainUnsynced(limit: 100).first?.taken == 9)
        // Stopping forgets what was not reported.
        _ = limiter.take(alice, now: 0)
        limiter.setCountsTakes(false)
        limiter.setCountsTakes(true)
        #expect(limiter.drainUnsynced(limit: 100).isEmpty)
    }

    @Test("a round reports at most its limit; the rest waits for the next")
    func drainLimit() {
        let limiter = RateLimiter(perMinute: 60, burst: 10, maxKeys: 1000, shards: 4)
        limiter.setCountsTakes(true)
        for user in 0..<100 { _ = limiter.take(.user("u\(user)"), now: 0) }
        let first = limiter.drainUnsynced(limit: 30)
        #expect(first.count == 30)
        var seen = Set(first.map(\.key))
        while case let next = limiter.drainUnsynced(limit: 30), !next.isEmpty {
            #expect(next.count <= 30)
            seen.formUnion(next.map(\.key))
        }
        #expect(seen.count == 100)
    }

    @Test("an answer sets the bucket to the shared balance less what was taken since the report")
    func apply() {
        let limiter = RateLimiter(perMinute: 60, burst: 10, maxKeys: 100)
        limiter.setCountsTakes(true)
        let alice = RateLimitKey.user("alice")
        for _ in 0..<2 { _ = limiter.take(alice, now: 0) }
        let report = limiter.drainUnsynced(limit: 10)
        #expect(report.first?.taken == 2)
        _ = limiter.take(alice, now: 0)  // taken after the report: subtracted from the answer
        // Other gateways took 6 meanwhile: Redis answers 10 - 2 - 6 = 2 left.
        limiter.applyShared([(alice, 2)], now: 0)
        #expect(limiter.take(alice, now: 0).allowed)  // 2 - 1 - 1 = 0 now
        #expect(!limiter.take(alice, now: 0).allowed)
        // A debt (several gateways granted the same tokens) is paid back before anything is granted.
        #expect(limiter.drainUnsynced(limit: 10).first?.taken == 2)
        limiter.applyShared([(alice, -3)], now: 0)
        let refused = limiter.take(alice, now: 3.5)
        #expect(!refused.allowed)
        #expect(refused.retryAfterSeconds == 1)
        #expect(limiter.take(alice, now: 5).allowed)
        // An answer above the local balance (the store missed takes made while it was down) does
        // not grant them again.
        limiter.applyShared([(alice, 10)], now: 5)
        #expect(limiter.take(alice, now: 5).allowed)  // 2 - 1 = 1 left locally, not 10
        #expect(!limiter.take(alice, now: 5).allowed)
        // An answer for a key this gateway no longer holds is ignored.
        limiter.applyShared([(.user("gone"), -100)], now: 5)
        #expect(limiter.take(.user("gone"), now: 5).allowed)
    }

    @Test("a bucket with unreported takes is not swept, even when full")
    func sweepKeepsUnreported() {
        let limiter = RateLimiter(perMinute: 60, burst: 10, maxKeys: 100)
        limiter.setCountsTakes(true)
        _ = limiter.take(.user("alice"), now: 0)
        limiter.sweep(now: 100)
        #expect(limiter.keyCount == 1)
        _ = limiter.drainUnsynced(limit: 10)
        limiter.sweep(now: 100)
        #expect(limiter.keyCount == 0)
    }
}
