import GatewayCore
import Logging
import RESP
import RedisServerFixture
import Testing

/// Gateways sharing limits through a real Redis (SPEC §16), and Redis failing under them.
@Suite("Shared limits: gateways and Redis")
struct SharedRateLimitGatewayTests {
    @Test("a client's tokens spent on one gateway are spent on the other")
    func sharedAcrossGateways() async throws {
        let redis = try await RedisServer.start()
        // One token a minute: nothing refills while the test runs.
        let first = try await TestGateway.sharing(redis.url, perMinute: 1, burst: 20)
        let second = try await TestGateway.sharing(redis.url, perMinute: 1, burst: 20)
        try await first.awaitStore(up: true)
        try await second.awaitStore(up: true)
        let client = try await RawHTTPClient.connect(port: first.port)
        for _ in 0..<20 {
            try await client.send(SharedLimitProbe.request(user: "roaming"))
            #expect(try await client.readResponse().status == 404)
        }
        try await client.send(SharedLimitProbe.request(user: "roaming"))
        #expect(try await client.readResponse().status == 429)
        try await eventually("the first gateway's takes in Redis") {
            // Redis refills a little between rounds (a token a minute): near zero, not zero.
            abs(try await SharedLimitProbe.tokens(in: redis, "user:roaming") ?? 99) < 0.5
        }
        // The second gateway has not heard of this client: its first request is granted from its
        // own full bucket and reported; once Redis' answer is back, it refuses. Alone, it would
        // grant 20.
        let other = try await RawHTTPClient.connect(port: second.port)
        var granted = 0
        while granted < 20 {
            try await other.send(SharedLimitProbe.request(user: "roaming"))
            let status = try await other.readResponse().status
            if status == 429 { break }
            #expect(status == 404)
            granted += 1
            try await eventually("the second gateway's take in Redis") {
                abs((try await SharedLimitProbe.tokens(in: redis, "user:roaming") ?? 99) + Double(granted)) < 0.5
            }
        }
        #expect(granted >= 1 && granted <= 2, "the second gateway granted \(granted) of a spent budget")
        await client.close()
        await other.close()
        await first.shutdown()
        await second.shutdown()
        await redis.stop()
    }

    @Test("Redis stopped mid-run: requests are served on local limits, one log line, store down; back: shared again")
    func redisStopsAndComesBack() async throws {
        let redis = try await RedisServer.start()
        let logs = RecordedLogs()
        let gateway = try await TestGateway.sharing(redis.url, perMinute: 600_000, burst: 1000, logs: logs)
        try await gateway.awaitStore(up: true)
        let client = try await RawHTTPClient.connect(port: gateway.port)
        // A loaded machine can miss a round's 50 ms reply (the store is down a moment and that
        // round's takes are dropped): take again until one is reported.
        try await eventually("the take reported", within: .seconds(30)) {
            try await client.send(SharedLimitProbe.request(user: "steady"))
            #expect(try await client.readResponse().status == 404)
            return try await SharedLimitProbe.tokens(in: redis, "user:steady") != nil
        }

        await redis.kill()
        try await gateway.awaitStore(up: false, "after Redis was killed")
        for _ in 0..<50 {
            try await client.send(SharedLimitProbe.request(user: "steady"))
            #expect(try await client.readResponse().status == 404, "a request failed while Redis was down")
        }
        #expect(try await gateway.fetch("GET", "/ready").status == 200)
        try await redis.restart()
        try await gateway.awaitStore(up: true, "after Redis came back")
        // However many reconnects failed meanwhile, each outage was one line: the store's lines
        // alternate up, down, up. (A loaded machine may add an outage of its own: a reply later
        // than 50 ms is one.)
        let lines = logs.all.filter { $0.level > .debug }.map(\.message).filter { $0.contains("rate") }
        #expect(
            lines.first == "rate limits shared through Redis" || lines.first?.contains("unavailable") == true,
            "\(lines)")
        for (previous, next) in zip(lines, lines.dropFirst()) {
            #expect(
                previous.contains("unavailable") != next.contains("unavailable"), "two lines for one state: \(lines)")
        }
        #expect(lines.last?.contains("back") == true, "\(lines)")
        try await client.send(SharedLimitProbe.request(user: "steady"))
        #expect(try await client.readResponse().status == 404)
        try await eventually("takes reported to the new Redis") {
            try await SharedLimitProbe.tokens(in: redis, "user:steady") != nil
        }
        await client.close()
        await gateway.shutdown()
        await redis.stop()
    }

    @Test("a Redis that accepts and never answers is down; requests are served")
    func silentRedis() async throws {
        let silent = try await FakeRedisServer.start(.silent)
        let logs = RecordedLogs()
        let gateway = try await TestGateway.sharing(
            RedisURL(host: "127.0.0.1", port: silent.port), perMinute: 1, burst: 3, logs: logs)
        try await eventually("the outage logged") { !logs.matching("rate-limit store unavailable").isEmpty }
        // Probes keep timing out while it stays silent (a slow machine may first see a connect time out).
        try await eventually("a probe that got no reply in time") { !logs.matching("no reply in time").isEmpty }
        #expect(logs.matching("rate-limit store unavailable").count == 1, "one outage, one warning: \(logs.all)")
        #expect(try await gateway.storeUp() == 0)
        // Local limits still hold: the burst of 3, then 429.
        var statuses: [Int] = []
        for _ in 0..<4 {
            statuses.append(
                try await gateway.fetch("GET", SharedLimitProbe.path, headers: [TestGateway.bearer("alone")]).status)
        }
        #expect(statuses == [404, 404, 404, 429])
        await gateway.shutdown()
        await silent.stop()
    }

    @Test("Redis unreachable at start-up: the gateway starts, ready, limiting locally")
    func unreachableAtStart() async throws {
        let logs = RecordedLogs()
        // Port 1: nothing listens there.
        let gateway = try await TestGateway.sharing(
            RedisURL(host: "127.0.0.1", port: 1), perMinute: 1, burst: 2, logs: logs)
        #expect(try await gateway.fetch("GET", "/ready").status == 200)
        #expect(try await gateway.storeUp() == 0)
        let statuses = try await [0, 1, 2].asyncMap { _ in
            try await gateway.fetch("GET", SharedLimitProbe.path, headers: [TestGateway.bearer("early")]).status
        }
        #expect(statuses == [404, 404, 429])
        try await eventually("the outage logged") { !logs.matching("rate-limit store unavailable").isEmpty }
        await gateway.shutdown()
    }

    @Test("Redis answering errors (OOM, then READONLY) is down until it accepts updates again", .timeLimit(.minutes(2)))
    func errorReplies() async throws {
        let redis = try await RedisServer.start()
        let logs = RecordedLogs()
        let gateway = try await TestGateway.sharing(redis.url, perMinute: 600_000, burst: 1000, logs: logs)
        try await gateway.awaitStore(up: true)
        let client = try await RawHTTPClient.connect(port: gateway.port)
        func request() async throws {
            try await client.send(SharedLimitProbe.request(user: "busy"))
            #expect(try await client.readResponse().status == 404)
        }

        _ = try await redis.command("CONFIG", ["SET", "maxmemory", "1"])
        // Under load a round may time out first (store down for that cause); wait for the OOM answer too.
        try await eventually("an update refused for memory", within: .seconds(30)) {
            try await request()
            return try await gateway.storeUp() == 0 && !logs.matching("OOM").isEmpty
        }
        _ = try await redis.command("CONFIG", ["SET", "maxmemory", "0"])
        try await gateway.awaitStore(up: true, "after memory was freed")

        _ = try await redis.command("REPLICAOF", ["127.0.0.1", "1"])
        try await eventually("an update refused by a replica") {
            try await request()
            return try await gateway.storeUp() == 0
        }
        #expect(!logs.matching("READONLY").isEmpty, "\(logs.all)")
        _ = try await redis.command("REPLICAOF", ["NO", "ONE"])
        try await gateway.awaitStore(up: true, "after failover")
        await client.close()
        await gateway.shutdown()
        await redis.stop()
    }

    @Test("keys of a flood of addresses expire in Redis once their buckets are full again")
    func floodExpires() async throws {
        let redis = try await RedisServer.start()
        // 6 a minute: a key one token short is full after 10 s and gone a second later.
        let gateway = try await TestGateway.sharing(redis.url, perMinute: 6, burst: 10) {
            $0.trustedProxies = [CIDR(parsing: "127.0.0.1")!]
        }
        try await gateway.awaitStore(up: true)
        let client = try await RawHTTPClient.connect(port: gateway.port)
        for n in 0..<1000 {
            try await client.send(
                "GET \(SharedLimitProbe.path) HTTP/1.1\r\nHost: gw\r\nX-Forwarded-For: 10.1.\(n / 256).\(n % 256)\r\n\r\n"
            )
            #expect(try await client.readResponse().status == 401)
        }
        try await eventually("the last address's key in Redis") {
            try await SharedLimitProbe.tokens(in: redis, "ip:10.1.3.231").map { $0 > 8.9 && $0 < 9.1 } == true
        }
        guard case .integer(let ttl) = try await redis.command("PTTL", ["aegis:rl:ip:10.1.3.231"]) else {
            Issue.record("no TTL")
            return
        }
        #expect(ttl > 0 && ttl <= 11_000, "\(ttl)")
        try await eventually("every key expired", within: .seconds(30)) {
            try await redis.command("DBSIZE") == .integer(0)
        }
        await client.close()
        await gateway.shutdown()
        await redis.stop()
    }

    @Test("the Redis password is never logged")
    func passwordNeverLogged() async throws {
        let redis = try await RedisServer.start(password: "pw-for-tests-only")
        let logs = RecordedLogs()
        let gateway = try await TestGateway.sharing(redis.url, perMinute: 60, burst: 5, logs: logs)
        try await gateway.awaitStore(up: true)
        await redis.kill()
        try await gateway.awaitStore(up: false)
        #expect(!logs.all.isEmpty)
        #expect(!logs.all.contains { $0.description.contains("pw-for-tests-only") }, "\(logs.all)")
        #expect(logs.matching("redis://:***@127.0.0.1").count >= 1, "\(logs.all)")
        await gateway.shutdown()
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
