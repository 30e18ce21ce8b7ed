import NIOConcurrencyHelpers

/// The token-bucket limiter of SPEC §5, shared by all event loops.
///
/// Sharded by key hash so loops rarely contend; each shard is a
/// `BucketStore` behind a lock, holding a short critical section (one
/// dictionary lookup and a few stores). The lock is NIO's (pthread): the
/// standard library's `Mutex` is invisible to ThreadSanitizer on Linux,
/// which then reports every access under it as a race. Time is passed in as monotonic
/// seconds: the limiter never reads a clock, so tests are exact and fast.
///
/// Memory is bounded by `maxKeys`: it is split across shards (no shard gets
/// more than ceil(maxKeys/shards), the total is exactly maxKeys) and each
/// shard evicts its least recently used bucket when full. LRU order is
/// therefore per shard, an approximation of global LRU that never holds
/// more than `maxKeys` buckets.
public final class RateLimiter: Sendable {
    public let perMinute: Int64
    public let burst: Int64
    public let maxKeys: Int
    let capacity: Double
    let refillPerSecond: Double
    private let shards: [NIOLockedValueBox<BucketStore>]

    /// - Parameters:
    ///   - perMinute: Tokens added per minute (RATE_LIMIT_PER_MINUTE), > 0.
    ///   - burst: Bucket capacity (RATE_LIMIT_BURST), > 0.
    ///   - maxKeys: Most buckets kept at once (RATE_LIMIT_MAX_KEYS), > 0.
    ///   - shards: Lock stripes; reduced to `maxKeys` when that is smaller.
    public init(perMinute: Int64, burst: Int64, maxKeys: Int, shards: Int = 32) {
        precondition(perMinute > 0 && burst > 0 && maxKeys > 0 && shards > 0, "rate limiter settings must be positive")
        self.perMinute = perMinute
        self.burst = burst
        self.maxKeys = maxKeys
        self.capacity = Double(burst)
        self.refillPerSecond = Double(perMinute) / 60
        let shardCount = min(shards, maxKeys)
        self.shards = (0..<shardCount).map { index in
            NIOLockedValueBox(BucketStore(capacity: maxKeys / shardCount + (index < maxKeys % shardCount ? 1 : 0)))
        }
    }

    /// Takes one token from `key`'s bucket at monotonic time `now` (seconds).
    public func take(_ key: RateLimitKey, now: Double) -> RateLimitDecision {
        let (allowed, bucket) = shard(for: key).withLockedValue { store in
            store.take(key, now: now, capacity: capacity, refillPerSecond: refillPerSecond)
        }
        return RateLimitDecision(allowed: allowed, bucket: bucket, burst: burst, refillPerSecond: refillPerSecond)
    }

    /// Buckets currently held, over all shards.
    public var keyCount: Int {
        shards.reduce(0) { total, shard in total + shard.withLockedValue { $0.count } }
    }

    /// Drops buckets that have refilled to capacity by `now` (they equal a
    /// new bucket) and shrinks shards a flood left mostly empty. Call it
    /// periodically; it locks one shard at a time.
    public func sweep(now: Double) {
        for shard in shards {
            shard.withLockedValue { store in
                store.sweep(now: now, capacity: capacity, refillPerSecond: refillPerSecond)
            }
        }
    }

    // MARK: - Sharing with a store (SPEC §16)

    /// Starts or stops counting takes for a shared store. Stopping forgets what was not yet
    /// reported: while the store is down, each gateway limits on its own.
    public func setCountsTakes(_ on: Bool) {
        for shard in shards { shard.withLockedValue { $0.setCountsTakes(on) } }
    }

    /// Up to `limit` keys taken from since the last call, with how many tokens each.
    public func drainUnsynced(limit: Int) -> [(key: RateLimitKey, taken: Double)] {
        var out: [(key: RateLimitKey, taken: Double)] = []
        for shard in shards where out.count < limit {
            shard.withLockedValue { $0.drainUnsynced(limit: limit, into: &out) }
        }
        return out
    }

    /// Lowers each key's bucket to the shared store's answer (tokens left across all gateways).
    public func applyShared(_ answers: [(key: RateLimitKey, tokens: Double)], now: Double) {
        for answer in answers {
            shard(for: answer.key).withLockedValue { store in
                store.applyShared(
                    answer.key, tokens: answer.tokens, now: now, capacity: capacity, refillPerSecond: refillPerSecond)
            }
        }
    }

    /// Slots and dictionary room allocated over all shards, for memory tests.
    var allocatedCapacity: Int {
        shards.reduce(0) { total, shard in total + shard.withLockedValue { $0.allocatedCapacity } }
    }

    private func shard(for key: RateLimitKey) -> NIOLockedValueBox<BucketStore> {
        // Fibonacci hashing spreads the hash's high bits, so the shard does
        // not correlate with the low bits the shard's dictionary uses.
        let mixed = UInt64(UInt(bitPattern: key.hashValue)) &* 0x9E37_79B9_7F4A_7C15
        return shards[Int((mixed >> 32) % UInt64(shards.count))]
    }
}
