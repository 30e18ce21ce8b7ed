/// The `RateLimit-Policy` and `RateLimit` response fields of
/// draft-ietf-httpapi-ratelimit-headers-09, as structured-field strings.
///
/// One policy, named `burst`: quota `q` is the bucket capacity and window
/// `w` the seconds an empty bucket takes to refill. The policy value is
/// fixed by configuration, so it is built once here and reused.
public struct RateLimitHeaders: Sendable {
    /// `"burst";q=<burst>;w=<seconds to refill burst>`
    public let policy: String

    public init(burst: Int64, perMinute: Int64) {
        precondition(burst > 0 && perMinute > 0, "rate limiter settings must be positive")
        // ceil(burst * 60 / perMinute), in 128 bits so no limit can overflow.
        let window = (Int128(burst) * 60 + Int128(perMinute) - 1) / Int128(perMinute)
        self.policy = #""burst";q=\#(burst);w=\#(window)"#
    }

    /// `"burst";r=<remaining>;t=<seconds until full>`
    public func current(_ decision: RateLimitDecision) -> String {
        String(estimate: 64) { writer in Self.writeCurrent(decision, into: &writer) }
    }

    /// Writes both fields, `RateLimit-Policy` then `RateLimit`, digits straight into the head:
    /// this runs for every proxied response.
    func write(_ decision: RateLimitDecision, into writer: inout ByteWriter) {
        writer.field("RateLimit-Policy", policy)
        writer.put("RateLimit: ")
        Self.writeCurrent(decision, into: &writer)
        writer.put("\r\n")
    }

    private static func writeCurrent(_ decision: RateLimitDecision, into writer: inout ByteWriter) {
        writer.put("\"burst\";r=")
        writer.putDecimal(UInt64(max(0, decision.remaining)))
        writer.put(";t=")
        writer.putDecimal(UInt64(max(0, decision.resetSeconds)))
    }
}
