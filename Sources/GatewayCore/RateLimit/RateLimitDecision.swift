/// The limiter's answer for one request, with what the response headers need.
public struct RateLimitDecision: Sendable, Equatable {
    /// Whether the request may proceed.
    public let allowed: Bool
    /// The bucket capacity (RATE_LIMIT_BURST).
    public let limit: Int64
    /// Whole tokens left after this request.
    public let remaining: Int64
    /// Seconds until a token is available, rounded up, at least 1: the
    /// `Retry-After` of a 429. Only meaningful when `!allowed`.
    public let retryAfterSeconds: Int64
    /// Seconds until the bucket is full again, rounded up.
    public let resetSeconds: Int64

    public init(allowed: Bool, limit: Int64, remaining: Int64, retryAfterSeconds: Int64, resetSeconds: Int64) {
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.retryAfterSeconds = retryAfterSeconds
        self.resetSeconds = resetSeconds
    }

    /// The decision for `bucket` right after a take at its `updatedAt`.
    init(allowed: Bool, bucket: TokenBucket, burst: Int64, refillPerSecond: Double) {
        let capacity = Double(burst)
        self.init(
            allowed: allowed,
            limit: burst,
            remaining: Self.clamped((bucket.tokens + TokenBucket.epsilon).rounded(.down)),
            retryAfterSeconds: max(
                1, Self.clamped(bucket.secondsUntilNextToken(refillPerSecond: refillPerSecond).rounded(.up))),
            resetSeconds: Self.clamped(
                bucket.secondsUntilFull(capacity: capacity, refillPerSecond: refillPerSecond).rounded(.up))
        )
    }

    /// `value` as Int64, saturating instead of trapping on huge or odd inputs.
    static func clamped(_ value: Double) -> Int64 {
        guard value.isFinite else { return value > 0 ? .max : 0 }
        if value <= 0 { return 0 }
        if value >= 9.2e18 { return .max }
        return Int64(value)
    }
}
