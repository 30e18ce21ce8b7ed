import Crypto
import RESP

/// The one Lua script that updates shared buckets in Redis, and how its calls are written and read.
///
/// Each call hands Redis, per key, the tokens this gateway took since its last report; the script
/// refills the shared bucket by Redis' own clock (`TIME`, so gateways' clocks never disagree),
/// subtracts, stores, and answers the tokens left. The balance may go below zero: tokens that
/// several gateways granted at once are a debt that refills pay back, so the total over time
/// stays at the configured rate. A key expires a second after it would be full again, which is
/// exactly when it becomes indistinguishable from a new one: Redis memory stays bounded.
struct SharedLimitScript: Sendable {
    static let source = """
        local now = redis.call('TIME')
        local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
        local capacity = tonumber(ARGV[1])
        local perMs = tonumber(ARGV[2])
        local out = {}
        for i = 1, #KEYS do
          local tokens = capacity
          local state = redis.call('GET', KEYS[i])
          if state then
            local stored, at = string.match(state, '^(%S+) (%S+)$')
            stored = tonumber(stored)
            at = tonumber(at)
            if stored and at then
              tokens = math.min(capacity, stored + math.max(0, ms - at) * perMs)
            end
          end
          tokens = tokens - tonumber(ARGV[i + 2])
          local idle = math.ceil((capacity - tokens) / perMs) + 1000
          redis.call('SET', KEYS[i], string.format('%.6f %.0f', tokens, ms), 'PX', idle)
          out[i] = string.format('%.6f', tokens)
        end
        return out
        """

    /// What EVALSHA names the script by.
    static let sha1: String = Insecure.SHA1.hash(data: Array(source.utf8)).map { byte in
        let hex = String(byte, radix: 16)
        return hex.count == 1 ? "0" + hex : hex
    }.joined()

    /// Keys per call: one call runs atomically in Redis, so a huge batch is split to keep each
    /// call short and other clients of the same Redis unblocked.
    static let keysPerCall = 256

    static let keyPrefix = "aegis:rl:"

    let capacity: String
    let perMillisecond: String

    init(burst: Int64, perMinute: Int64) {
        capacity = String(burst)
        perMillisecond = String(Double(perMinute) / 60_000)
    }

    static func redisKey(_ key: RateLimitKey) -> String { keyPrefix + key.description }

    /// The calls for `batch`, by SHA (`byHash`) or with the script's source (after NOSCRIPT:
    /// Redis forgets scripts on restart and failover).
    func calls(for batch: ArraySlice<(key: RateLimitKey, taken: Double)>, byHash: Bool) -> [RESPCommand] {
        stride(from: batch.startIndex, to: batch.endIndex, by: Self.keysPerCall).map { start in
            let part = batch[start..<min(start + Self.keysPerCall, batch.endIndex)]
            var command = byHash ? RESPCommand("EVALSHA", [Self.sha1]) : RESPCommand("EVAL", [Self.source])
            command.append(String(part.count))
            for entry in part { command.append(Self.redisKey(entry.key)) }
            command.append(capacity)
            command.append(perMillisecond)
            for entry in part { command.append(String(Int64(entry.taken))) }
            return command
        }
    }

    /// Why a reply could not be used.
    enum ReplyError: Error, CustomStringConvertible {
        case refused(String)
        case malformed

        var description: String {
            switch self {
            case .refused(let message): "Redis answered: \(message)"
            case .malformed: "unexpected reply to the limit script"
            }
        }

        var isNoScript: Bool {
            if case .refused(let message) = self { return message.hasPrefix("NOSCRIPT") }
            return false
        }
    }

    /// The tokens left per key of one call, in key order.
    static func tokens(in reply: RESPValue, expected: Int) throws(ReplyError) -> [Double] {
        if let message = reply.errorMessage { throw .refused(message) }
        guard case .array(let values) = reply, values.count == expected else { throw .malformed }
        var out: [Double] = []
        out.reserveCapacity(expected)
        for value in values {
            guard let text = value.text, let tokens = Double(text), tokens.isFinite else { throw .malformed }
            out.append(tokens)
        }
        return out
    }
}
