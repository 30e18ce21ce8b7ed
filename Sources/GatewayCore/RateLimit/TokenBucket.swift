/// One client's token bucket: a pure value, refilled lazily from the time
/// of its last use, so an idle client costs no timer and no work.
///
/// Times are monotonic seconds supplied by the caller. Counts are Doubles:
/// exact for any burst below 2^53, far beyond any sane RATE_LIMIT_BURST.
/// Comparisons allow `epsilon` of a token, so that refills summed over
/// several steps (0.59 s then 0.01 s at 5/3 tokens a second) still make the
/// whole token that the same time in one step makes.
public struct TokenBucket: Sendable, Equatable {
    public var tokens: Double
    public var updatedAt: Double

    /// A billionth of a token: far above rounding error, far below anything a client could use.
    public static let epsilon = 1e-9

    public init(tokens: Double, updatedAt: Double) {
        self.tokens = tokens
        self.updatedAt = updatedAt
    }

    /// A bucket a new client starts with: full.
    public static func full(capacity: Double, at now: Double) -> TokenBucket {
        TokenBucket(tokens: capacity, updatedAt: now)
    }

    /// Adds what has dripped in since `updatedAt`. A clock that steps back
    /// adds nothing rather than taking tokens away.
    public mutating func refill(now: Double, capacity: Double, refillPerSecond: Double) {
        let elapsed = now - updatedAt
        if elapsed > 0 {
            tokens = min(capacity, tokens + elapsed * refillPerSecond)
            updatedAt = now
        }
    }

    /// Refills, then takes one token if there is one.
    public mutating func take(now: Double, capacity: Double, refillPerSecond: Double) -> Bool {
        refill(now: now, capacity: capacity, refillPerSecond: refillPerSecond)
        guard tokens + Self.epsilon >= 1 else { return false }
        tokens = max(0, tokens - 1)
        return true
    }

    /// Seconds from `updatedAt` until one whole token is available (0 if one is).
    public func secondsUntilNextToken(refillPerSecond: Double) -> Double {
        tokens + Self.epsilon >= 1 ? 0 : (1 - tokens) / refillPerSecond
    }

    /// Seconds from `updatedAt` until the bucket is full again.
    public func secondsUntilFull(capacity: Double, refillPerSecond: Double) -> Double {
        tokens + Self.epsilon >= capacity ? 0 : (capacity - tokens) / refillPerSecond
    }

    /// Whether the bucket has refilled to capacity by `now`; such a bucket
    /// is indistinguishable from a new one and can be dropped.
    public func isFull(at now: Double, capacity: Double, refillPerSecond: Double) -> Bool {
        tokens + max(0, now - updatedAt) * refillPerSecond + Self.epsilon >= capacity
    }
}
