import NIOCore
import RESP
import RedisServerFixture
import Testing

@testable import GatewayCore

/// The limit script run by a real Redis (SPEC §16): balances, debts, expiry, and NOSCRIPT.
@Suite("Shared limits: the Redis script")
struct SharedLimitScriptTests {
    /// One token a minute: nothing refills noticeably while the test runs.
    let script = SharedLimitScript(burst: 10, perMinute: 1)

    private func run(_ redis: RedisServer, _ batch: [(key: RateLimitKey, taken: Double)], byHash: Bool = false)
        async throws -> [Double]
    {
        let call = script.calls(for: batch[...], byHash: byHash)
        #expect(call.count == 1)
        var arguments: [String] = []
        // Re-send through the fixture's one-command helper: the command's arguments, decoded.
        var encoded = call[0].encoded
        while encoded.readableBytes > 0 {
            let header = encoded.readString(
                length: encoded.readableBytesView.firstIndex(of: UInt8(ascii: "\r"))! - encoded.readerIndex)!
            encoded.moveReaderIndex(forwardBy: 2)
            let length = Int(header.dropFirst())!
            arguments.append(encoded.readString(length: length)!)
            encoded.moveReaderIndex(forwardBy: 2)
        }
        let reply = try await redis.command(arguments[0], Array(arguments.dropFirst()))
        return try SharedLimitScript.tokens(in: reply, expected: batch.count)
    }

    @Test("balances are shared, debts carried, keys prefixed and expiring once full again")
    func balances() async throws {
        let redis = try await RedisServer.start()
        let alice = RateLimitKey.user("alice")
        let ip = RateLimitKey.ipv4(0x0A00_0001)
        let first = try await run(redis, [(alice, 3), (ip, 0)])
        #expect(first[0] > 6.99 && first[0] <= 7.01)
        #expect(first[1] > 9.99)
        let second = try await run(redis, [(alice, 12)])
        // A token a minute refills a little between the calls on a loaded machine.
        #expect(second[0] > -5.01 && second[0] < -4.5, "a debt is kept, not clamped to zero: \(second[0])")
        #expect(try await redis.command("EXISTS", ["aegis:rl:user:alice"]) == .integer(1))
        // 15 tokens short at 1 a minute: full again in 15 minutes, and expiring a second after.
        guard case .integer(let ttl) = try await redis.command("PTTL", ["aegis:rl:user:alice"]) else {
            Issue.record("no TTL")
            return
        }
        #expect(ttl > 14 * 60_000 && ttl <= 15 * 60_000 + 1000, "\(ttl)")
        // Nothing taken: full, so it lingers a second at most (-2: already gone).
        guard case .integer(let fullTTL) = try await redis.command("PTTL", ["aegis:rl:ip:10.0.0.1"]) else { return }
        #expect(fullTTL == -2 || (fullTTL > 0 && fullTTL <= 1000), "\(fullTTL)")
        await redis.stop()
    }

    @Test("EVALSHA before the script is known answers NOSCRIPT, which the sync recognises")
    func noScript() async throws {
        let redis = try await RedisServer.start()
        await #expect(throws: SharedLimitScript.ReplyError.self) {
            try await run(redis, [(.user("a"), 1)], byHash: true)
        }
        do {
            _ = try await run(redis, [(.user("a"), 1)], byHash: true)
        } catch let error as SharedLimitScript.ReplyError {
            #expect(error.isNoScript)
        }
        _ = try await run(redis, [(.user("a"), 1)])
        // Loaded by EVAL: the hash is now known, and it is the SHA-1 of the source.
        #expect(try await run(redis, [(.user("a"), 1)], byHash: true).count == 1)
        await redis.stop()
    }
}
