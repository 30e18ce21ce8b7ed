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
        // Written digit by digit into one allocation: this runs for every proxied response.
        // 64 bytes: the prefix and separator (13) and two Int64s of up to 19 digits each (51).
        String(unsafeUninitializedCapacity: 64) { buffer in
            var i = 0
            func put(_ text: StaticString) {
                for k in 0..<text.utf8CodeUnitCount {
                    buffer[i] = text.utf8Start[k]
                    i += 1
                }
            }
            func put(_ value: Int64) {
                var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                    UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                    (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                var n = UInt64(max(0, value))
                var count = 0
                withUnsafeMutableBytes(of: &digits) { d in
                    repeat {
                        d[count] = UInt8(ascii: "0") + UInt8(n % 10)
                        n /= 10
                        count += 1
                    } while n > 0
                    while count > 0 {
                        count -= 1
                        buffer[i] = d[count]
                        i += 1
                    }
                }
            }
            put("\"burst\";r=")
            put(decision.remaining)
            put(";t=")
            put(decision.resetSeconds)
            return i
        }
    }

    /// Both field values for a response.
    public func values(for decision: RateLimitDecision) -> (policy: String, current: String) {
        (policy, current(decision))
    }
}
