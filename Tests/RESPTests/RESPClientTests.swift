import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RESP
import RedisServerFixture
import Testing

/// The client against a real `redis-server`, and against servers that misbehave.
@Suite("RESP client")
struct RESPClientTests {
    /// Events seen so far, awaitable.
    final class EventLog: Sendable {
        private let state = NIOLockedValueBox<
            (events: [String], waiters: [(String, Int, CheckedContinuation<Void, Never>)])
        >(([], []))

        func record(_ event: RESPClient.Event) {
            let name: String
            switch event {
            case .connected: name = "connected"
            case .connectFailed(let error): name = "connectFailed: \(error)"
            case .disconnected(let error): name = "disconnected: \(error)"
            }
            let ready = state.withLockedValue { state in
                state.events.append(name)
                let events = state.events
                let (done, waiting) = state.waiters.reduce(
                    into: ([CheckedContinuation<Void, Never>](), [(String, Int, CheckedContinuation<Void, Never>)]())
                ) { split, waiter in
                    if events.filter({ $0.hasPrefix(waiter.0) }).count >= waiter.1 {
                        split.0.append(waiter.2)
                    } else {
                        split.1.append(waiter)
                    }
                }
                state.waiters = waiting
                return done
            }
            ready.forEach { $0.resume() }
        }

        var events: [String] { state.withLockedValue { $0.events } }

        /// Waits until `count` events starting with `prefix` have been seen.
        func wait(for prefix: String, count: Int = 1) async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLockedValue { state in
                    if state.events.filter({ $0.hasPrefix(prefix) }).count >= count { return true }
                    state.waiters.append((prefix, count, continuation))
                    return false
                }
                if now { continuation.resume() }
            }
        }
    }

    private func client(_ url: RedisURL, timeout: TimeAmount = .seconds(5)) -> (RESPClient, EventLog) {
        var configuration = RESPClient.Configuration(url: url)
        configuration.commandTimeout = timeout
        // Generous: beside CPU hogs a loopback connect can take over the default second.
        configuration.connectTimeout = .seconds(10)
        let client = RESPClient(configuration: configuration, eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        let log = EventLog()
        client.start { log.record($0) }
        return (client, log)
    }

    @Test("a thousand pipelined commands get their replies in order")
    func pipelined() async throws {
        let redis = try await RedisServer.start()
        let (client, log) = client(redis.url)
        await log.wait(for: "connected")
        let replies = try await client.send((0..<1000).map { _ in RESPCommand("INCR", ["counter"]) }).get()
        #expect(replies == (1...1000).map { .integer(Int64($0)) })
        let echoed = try await client.send([
            RESPCommand("SET", ["k", "v\r\nw"]), RESPCommand("GET", ["k"]), RESPCommand("GET", ["absent"]),
        ]).get()
        #expect(echoed == [.simpleString(ByteBuffer(string: "OK")), .bulkString(ByteBuffer(string: "v\r\nw")), .null])
        try await client.shutdown().get()
        await redis.stop()
    }

    @Test("AUTH and SELECT on connect; a wrong password is a refused handshake")
    func authAndSelect() async throws {
        let redis = try await RedisServer.start(password: "s3cret")
        var url = redis.url
        url.database = 3
        let (client, log) = client(url)
        await log.wait(for: "connected")
        _ = try await client.send([RESPCommand("SET", ["in-db-3", "1"])]).get()
        try await client.shutdown().get()
        #expect(try await redis.command("EXISTS", ["in-db-3"]) == .integer(0), "SELECT 3 was not applied")

        url.database = 0
        url.password = "wrong"
        let (refused, refusedLog) = self.client(url)
        await refusedLog.wait(for: "connectFailed")
        #expect(refusedLog.events.first?.contains("WRONGPASS") == true, "\(refusedLog.events)")
        #expect(!"\(url)".contains("wrong"), "a RedisURL prints its password")
        try await refused.shutdown().get()
        await redis.stop()
    }

    @Test("a server that never answers: every pending command fails, the connection is dropped and made again")
    func silentServer() async throws {
        let silent = try await FakeRedisServer.start(.silent)
        let (client, log) = client(RedisURL(host: "127.0.0.1", port: silent.port), timeout: .milliseconds(50))
        await log.wait(for: "connected")
        let first = client.send([RESPCommand("PING")])
        let second = client.send([RESPCommand("PING"), RESPCommand("PING")])
        await #expect(throws: RESPError.timeout) { try await first.get() }
        await #expect(throws: RESPError.timeout) { try await second.get() }
        await log.wait(for: "disconnected")
        await log.wait(for: "connected", count: 2)
        try await client.shutdown().get()
        await silent.stop()
    }

    @Test("bytes that are not RESP close the connection")
    func garbage() async throws {
        let liar = try await FakeRedisServer.start(.answer("HTTP/1.1 200 OK\r\n\r\n"))
        let (client, log) = client(RedisURL(host: "127.0.0.1", port: liar.port))
        await log.wait(for: "connected")
        await #expect(throws: RESPError.protocolError(.unknownType(UInt8(ascii: "H")))) {
            try await client.send([RESPCommand("PING")]).get()
        }
        await log.wait(for: "disconnected")
        try await client.shutdown().get()
        await liar.stop()
    }

    @Test("not connected: send fails at once; a server that comes back is reconnected to")
    func reconnects() async throws {
        let redis = try await RedisServer.start()
        let (client, log) = client(redis.url)
        await log.wait(for: "connected")
        await redis.kill()
        await log.wait(for: "disconnected")
        await #expect(throws: RESPError.notConnected) { try await client.send([RESPCommand("PING")]).get() }
        try await redis.restart()
        await log.wait(for: "connected", count: 2)
        #expect(try await client.send([RESPCommand("PING")]).get() == [.simpleString(ByteBuffer(string: "PONG"))])
        try await client.shutdown().get()
        await redis.stop()
    }

    @Test("backoff doubles from 100 ms to 5 s and starts over after a clean round")
    func backoff() {
        var backoff = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(5))
        let delays = (0..<8).map { _ in backoff.next().nanoseconds / 1_000_000 }
        #expect(delays == [100, 200, 400, 800, 1600, 3200, 5000, 5000])
        backoff.reset()
        #expect(backoff.next() == .milliseconds(100))
    }
}

@Suite("Redis URL")
struct RedisURLTests {
    @Test("the forms of SPEC §16")
    func forms() throws {
        #expect(try RedisURL(parsing: "redis://cache") == RedisURL(host: "cache"))
        #expect(
            try RedisURL(parsing: "redis://:p%40ss@cache:6380/2")
                == RedisURL(host: "cache", port: 6380, password: "p@ss", database: 2))
        #expect(
            try RedisURL(parsing: "redis://app:pw@[::1]:7000/")
                == RedisURL(host: "::1", port: 7000, username: "app", password: "pw"))
        #expect(try RedisURL(parsing: "REDIS://10.0.0.1") == RedisURL(host: "10.0.0.1"))
    }

    @Test(
        "refused, and the reason never holds the password",
        arguments: [
            "http://cache", "rediss://cache", "redis://", "redis://:pw@", "redis://cache:0", "redis://cache:70000",
            "redis://cache:x", "redis://cache/x", "redis://pw@cache", "redis://cache?db=1", "redis://ca che",
            "redis://:%zz@cache", "redis://[::1", "redis://cache/1/2",
        ])
    func refused(text: String) {
        #expect(throws: RedisURL.ParseError.self) { try RedisURL(parsing: text) }
        do {
            _ = try RedisURL(parsing: text)
        } catch {
            #expect(!error.reason.contains("pw"))
        }
    }

    @Test("description masks the password")
    func masked() throws {
        #expect("\(try RedisURL(parsing: "redis://:hunter2@cache/1"))" == "redis://:***@cache:6379/1")
    }
}
