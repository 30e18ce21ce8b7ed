import Dispatch
import Synchronization
import Testing

@testable import GatewayCore

@Suite("RateLimiter")
struct RateLimiterTests {
    let alice = RateLimitKey.user("alice")
    let bob = RateLimitKey.user("bob")

    @Test func burstThenRefill() {
        let limiter = RateLimiter(perMinute: 100, burst: 10, maxKeys: 100)
        for expectedRemaining in stride(from: 9, through: 0, by: -1) {
            let decision = limiter.take(alice, now: 0)
            #expect(decision.allowed)
            #expect(decision.limit == 10)
            #expect(decision.remaining == Int64(expectedRemaining))
        }
        let refused = limiter.take(alice, now: 0)
        #expect(!refused.allowed)
        #expect(refused.remaining == 0)
        #expect(refused.retryAfterSeconds == 1)  // 0.6 s, rounded up
        #expect(refused.resetSeconds == 6)  // 10 tokens at 5/3 per second

        #expect(!limiter.take(alice, now: 0.59).allowed)
        #expect(limiter.take(alice, now: 0.6).allowed)
        #expect(!limiter.take(alice, now: 0.6).allowed)
        // Refused takes do not consume: after a full minute the bucket is full again.
        #expect(limiter.take(alice, now: 60.6).remaining == 9)
    }

    @Test func retryAfterRoundsUpTheWait() {
        let slow = RateLimiter(perMinute: 1, burst: 1, maxKeys: 10)
        #expect(slow.take(alice, now: 0).allowed)
        let refused = slow.take(alice, now: 0)
        #expect(!refused.allowed && refused.retryAfterSeconds == 60)
        #expect(slow.take(alice, now: 30.2).retryAfterSeconds == 30)
        #expect(slow.take(alice, now: 59.5).retryAfterSeconds == 1)
        #expect(slow.take(alice, now: 60).allowed)
    }

    @Test func separateKeysHaveSeparateBuckets() {
        // One shard: with 32, the per-process hash seed can (rarely) put four of these keys in a
        // shard holding three, and LRU eviction would then be what this test sees.
        let limiter = RateLimiter(perMinute: 60, burst: 2, maxKeys: 100, shards: 1)
        #expect(limiter.take(alice, now: 0).allowed)
        #expect(limiter.take(alice, now: 0).allowed)
        #expect(!limiter.take(alice, now: 0).allowed)
        #expect(limiter.take(bob, now: 0).allowed)
        #expect(limiter.take(.ipv4(1), now: 0).allowed)
        #expect(limiter.take(.ipv6Prefix(1), now: 0).allowed)
        #expect(limiter.take(.user("1"), now: 0).allowed)
        #expect(limiter.keyCount == 5)
    }

    @Test func evictsTheLeastRecentlyUsedAtMaxKeys() {
        let limiter = RateLimiter(perMinute: 1, burst: 2, maxKeys: 3, shards: 1)
        let a = RateLimitKey.user("a")
        let b = RateLimitKey.user("b")
        let c = RateLimitKey.user("c")
        let d = RateLimitKey.user("d")
        for key in [a, a, b, b, c, c] { #expect(limiter.take(key, now: 0).allowed) }
        #expect(!limiter.take(a, now: 1).allowed)  // a is empty and now the most recent
        #expect(limiter.take(d, now: 2).allowed)  // evicts b, the least recently used
        #expect(limiter.keyCount == 3)
        #expect(limiter.take(b, now: 3).allowed)  // b starts afresh, evicting c
        #expect(limiter.take(c, now: 4).allowed)  // so does c, evicting a
        #expect(limiter.take(a, now: 5).allowed)
        #expect(limiter.keyCount == 3)
    }

    @Test func neverHoldsMoreThanMaxKeys() {
        for (maxKeys, shards) in [(1, 32), (5, 32), (100, 32), (1000, 7)] {
            let limiter = RateLimiter(perMinute: 100, burst: 10, maxKeys: maxKeys, shards: shards)
            for i in 0..<(maxKeys * 5 + 50) {
                _ = limiter.take(.ipv4(UInt32(i)), now: Double(i) / 1000)
            }
            #expect(limiter.keyCount <= maxKeys)
            #expect(limiter.keyCount > 0)
        }
    }

    @Test func sweepDropsFullBuckets() {
        let limiter = RateLimiter(perMinute: 100, burst: 10, maxKeys: 1000)
        for i in 0..<100 { _ = limiter.take(.ipv4(UInt32(i)), now: 0) }
        _ = limiter.take(alice, now: 0)
        _ = limiter.take(alice, now: 0)
        #expect(limiter.keyCount == 101)
        limiter.sweep(now: 0.5)  // one token short of full: nothing goes
        #expect(limiter.keyCount == 101)
        limiter.sweep(now: 0.6)  // the single-take buckets are full again
        #expect(limiter.keyCount == 1)
        limiter.sweep(now: 1.2)
        #expect(limiter.keyCount == 0)
        // A swept key behaves like a new one.
        #expect(limiter.take(alice, now: 1.2).remaining == 9)
    }

    @Test func sweepReturnsMemoryAfterAFlood() {
        let limiter = RateLimiter(perMinute: 100, burst: 10, maxKeys: 20_000, shards: 4)
        let empty = limiter.allocatedCapacity
        for i in 0..<100_000 {
            _ = limiter.take(.ipv6Prefix(UInt64(i) &* 0x9E37_79B9), now: 0)
        }
        #expect(limiter.keyCount <= 20_000)
        let flooded = limiter.allocatedCapacity
        #expect(flooded >= 40_000)  // slots plus dictionary room
        #expect(flooded <= 20_000 * 6)  // bounded by maxKeys, not by the 100 000 clients
        limiter.sweep(now: 60)
        #expect(limiter.keyCount == 0)
        #expect(limiter.allocatedCapacity <= empty + 64)
        // Still works afterwards.
        #expect(limiter.take(alice, now: 61).allowed)
        #expect(limiter.keyCount == 1)
    }

    @Test func sweepKeepsRecencyOrderWhenRebuilding() {
        // 0.1 token a second, burst 1: a bucket is full 10 s after its take.
        let limiter = RateLimiter(perMinute: 6, burst: 1, maxKeys: 100, shards: 1)
        for i in 0..<100 { _ = limiter.take(.ipv4(UInt32(i)), now: Double(i)) }
        limiter.sweep(now: 100.5)  // keys 91...99 are not full yet; the store is rebuilt
        #expect(limiter.keyCount == 9)
        #expect(limiter.allocatedCapacity < 64)
        for i in 1000..<1091 { _ = limiter.take(.ipv4(UInt32(i)), now: 101) }
        #expect(limiter.keyCount == 100)
        _ = limiter.take(.ipv4(5000), now: 101)  // evicts the least recently used: 91
        #expect(limiter.keyCount == 100)
        #expect(!limiter.take(.ipv4(99), now: 101).allowed)  // still there, still empty
        #expect(!limiter.take(.ipv4(92), now: 101).allowed)
        #expect(limiter.take(.ipv4(91), now: 101).allowed)  // evicted: a fresh bucket
    }

    @Test func handles64BitLimits() {
        let huge = RateLimiter(perMinute: 6_000_000_000, burst: 6_000_000_000, maxKeys: 10)
        let first = huge.take(alice, now: 0)
        #expect(first.allowed && first.limit == 6_000_000_000 && first.remaining == 5_999_999_999)
        #expect(first.resetSeconds == 1)
        for _ in 0..<1000 { #expect(huge.take(alice, now: 0).allowed) }

        let fastSmall = RateLimiter(perMinute: 6_000_000_000, burst: 1, maxKeys: 10)
        #expect(fastSmall.take(bob, now: 0).allowed)
        let refused = fastSmall.take(bob, now: 0)
        #expect(!refused.allowed && refused.retryAfterSeconds == 1)
        #expect(fastSmall.take(bob, now: 0.000_000_01).allowed)

        let slowHuge = RateLimiter(perMinute: 1, burst: .max, maxKeys: 10)
        let decision = slowHuge.take(bob, now: 0)
        #expect(decision.allowed && decision.limit == .max && decision.remaining == .max)
    }

    @Test func concurrentTakesNeverOverspend() {
        let limiter = RateLimiter(perMinute: 1, burst: 500, maxKeys: 10, shards: 4)
        let allowed = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<200 where limiter.take(alice, now: 0).allowed {
                allowed.add(1, ordering: .relaxed)
            }
        }
        #expect(allowed.load(ordering: .relaxed) == 500)
    }

    @Test func clockSteppingBackDoesNotRefund() {
        let limiter = RateLimiter(perMinute: 60, burst: 1, maxKeys: 10)
        #expect(limiter.take(alice, now: 100).allowed)
        #expect(!limiter.take(alice, now: 50).allowed)
        #expect(limiter.take(alice, now: 101).allowed)
    }
}

@Suite("TokenBucket")
struct TokenBucketTests {
    @Test func takesRefillsAndReportsWaits() {
        var bucket = TokenBucket.full(capacity: 3, at: 10)
        var results: [Bool] = []
        for _ in 0..<4 { results.append(bucket.take(now: 10, capacity: 3, refillPerSecond: 0.5)) }
        #expect(results == [true, true, true, false])
        #expect(bucket.secondsUntilNextToken(refillPerSecond: 0.5) == 2)
        #expect(bucket.secondsUntilFull(capacity: 3, refillPerSecond: 0.5) == 6)
        #expect(!bucket.isFull(at: 15.9, capacity: 3, refillPerSecond: 0.5))
        #expect(bucket.isFull(at: 16, capacity: 3, refillPerSecond: 0.5))
        bucket.refill(now: 11, capacity: 3, refillPerSecond: 0.5)
        #expect(bucket == TokenBucket(tokens: 0.5, updatedAt: 11))
        bucket.refill(now: 1000, capacity: 3, refillPerSecond: 0.5)
        #expect(bucket.tokens == 3)  // capped
        #expect(bucket.secondsUntilNextToken(refillPerSecond: 0.5) == 0)
    }
}

@Suite("RateLimitKey")
struct RateLimitKeyTests {
    @Test func keysClientsAsTheSPECSays() {
        #expect(RateLimitKey(client: IPAddress(parsing: "192.0.2.1")!) == .ipv4(0xC000_0201))
        #expect(RateLimitKey(client: IPAddress(parsing: "::ffff:192.0.2.1")!) == .ipv4(0xC000_0201))
        let a = RateLimitKey(client: IPAddress(parsing: "2001:db8:1:2:aaaa::1")!)
        let b = RateLimitKey(client: IPAddress(parsing: "2001:db8:1:2:ffff:ffff:ffff:ffff")!)
        let c = RateLimitKey(client: IPAddress(parsing: "2001:db8:1:3::1")!)
        #expect(a == b && a != c)
        #expect(a == .ipv6Prefix(0x2001_0DB8_0001_0002))
    }

    @Test func describesKeys() {
        #expect(RateLimitKey.user("alice").description == "user:alice")
        #expect(RateLimitKey.ipv4(0xC000_0201).description == "ip:192.0.2.1")
        #expect(RateLimitKey.ipv6Prefix(0x2001_0DB8_0001_0002).description == "ip:2001:db8:1:2::/64")
        #expect(RateLimitKey.ipv6Prefix(0x2001_0DB8_0000_0000).description == "ip:2001:db8::/64")
        #expect(RateLimitKey.ipv6Prefix(0).description == "ip:::/64")
    }
}

@Suite("RateLimitHeaders")
struct RateLimitHeadersTests {
    @Test func formatsDraftFields() {
        let headers = RateLimitHeaders(burst: 10, perMinute: 100)
        #expect(headers.policy == #""burst";q=10;w=6"#)
        let limiter = RateLimiter(perMinute: 100, burst: 10, maxKeys: 10)
        let decision = limiter.take(.user("u"), now: 0)
        #expect(headers.current(decision) == #""burst";r=9;t=1"#)
        let lines = String(estimate: 128) { headers.write(decision, into: &$0) }
        #expect(lines == "RateLimit-Policy: \"burst\";q=10;w=6\r\nRateLimit: \"burst\";r=9;t=1\r\n")
    }

    @Test func currentFitsTheLargestValues() {
        // 10 + 19 + 3 + 19 bytes: the longest value RATE_LIMIT_BURST can lead to.
        let decision = RateLimitDecision(
            allowed: true, limit: .max, remaining: .max, retryAfterSeconds: 1, resetSeconds: .max)
        #expect(
            RateLimitHeaders(burst: .max, perMinute: 1).current(decision) == "\"burst\";r=\(Int64.max);t=\(Int64.max)")
    }

    @Test func windowRoundsUpAndNeverOverflows() {
        #expect(RateLimitHeaders(burst: 1, perMinute: 7).policy == #""burst";q=1;w=9"#)
        #expect(RateLimitHeaders(burst: 10, perMinute: 6_000_000_000).policy == #""burst";q=10;w=1"#)
        #expect(
            RateLimitHeaders(burst: .max, perMinute: 1).policy == "\"burst\";q=\(Int64.max);w=\(Int128(Int64.max) * 60)"
        )
    }
}
