import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
public import RESP

/// A real `redis-server` (Debian's package) on a free loopback port, without persistence, for
/// tests. Start-up is awaited on the server's own "Ready to accept connections" line.
public final class RedisServer: Sendable {
    public static let executable = "/usr/bin/redis-server"

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    public let port: Int
    public let password: String?
    private let process: NIOLockedValueBox<ChildProcess?>

    public var url: RedisURL { RedisURL(host: "127.0.0.1", port: port, password: password) }
    public var urlString: String { "redis://" + (password.map { ":\($0)@" } ?? "") + "127.0.0.1:\(port)" }

    private init(port: Int, password: String?, process: ChildProcess) {
        self.port = port
        self.password = password
        self.process = NIOLockedValueBox(process)
    }

    /// Starts a server on a port nothing listens on (retrying when another process takes it first).
    public static func start(password: String? = nil) async throws -> RedisServer {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw Problem(description: "\(executable) is missing: apt-get install -y redis-server (.ci/run does)")
        }
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = try await freePort()
            do {
                let process = try await launch(port: port, password: password)
                return RedisServer(port: port, password: password, process: process)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? Problem(description: "redis-server did not start")
    }

    /// Kills the server at once (as a crash would), keeping its port for `restart()`.
    public func kill() async {
        guard let running = process.withLockedValue({ $0 }) else { return }
        running.signal(SIGKILL)
        _ = await running.exited()
        process.withLockedValue { $0 = nil }
    }

    /// Starts a fresh server (empty: no persistence) on the same port.
    public func restart() async throws {
        await kill()
        let started = try await Self.launch(port: port, password: password)
        process.withLockedValue { $0 = started }
    }

    public func stop() async { await kill() }

    /// Runs one command on a connection of its own and returns the reply.
    public func command(_ name: String, _ arguments: [String] = []) async throws -> RESPValue {
        let group = MultiThreadedEventLoopGroup.singleton
        let client = RESPClient(configuration: configurationForTests(), eventLoop: group.next())
        let connected = client.eventLoop.makePromise(of: Void.self)
        client.start { event in
            switch event {
            case .connected: connected.succeed(())
            case .connectFailed(let error), .disconnected(let error): connected.fail(error)
            }
        }
        do {
            try await connected.futureResult.get()
            let replies = try await client.send([RESPCommand(name, arguments)]).get()
            try await client.shutdown().get()
            return replies[0]
        } catch {
            try? await client.shutdown().get()
            throw error
        }
    }

    private func configurationForTests() -> RESPClient.Configuration {
        var configuration = RESPClient.Configuration(url: url)
        // Generous: a sanitizer run on a loaded machine is slow to connect, and this is the test's own probe.
        configuration.connectTimeout = .seconds(10)
        configuration.commandTimeout = .seconds(10)
        return configuration
    }

    /// An integer field of `INFO` (say `used_memory` or `connected_clients`).
    public func info(_ field: String) async throws -> Int64? {
        guard let text = try await command("INFO").text else { return nil }
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix(field + ":") {
            return Int64(line.dropFirst(field.count + 1))
        }
        return nil
    }

    private static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    private static func launch(port: Int, password: String?) async throws -> ChildProcess {
        var arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--loglevel", "notice", "--dir", NSTemporaryDirectory(),
        ]
        if let password { arguments += ["--requirepass", password] }
        let process = try ChildProcess.spawn(
            executable, arguments, environment: ProcessInfo.processInfo.environment, stdout: .pipe, stderr: .stdout)
        let seen = NIOLockedValueBox<(text: String, done: CheckedContinuation<Void, any Error>?)>(("", nil))
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            seen.withLockedValue { $0.done = done }
            // After start-up the output is only drained, so redis-server never blocks on it.
            PipeReader.forEachPieceOffPool(
                of: process.stdout!,
                { chunk in
                    seen.withLockedValue { state in
                        guard state.done != nil else { return }
                        state.text += String(decoding: chunk, as: UTF8.self)
                        if state.text.contains("Ready to accept connections") {
                            state.done?.resume()
                            state.done = nil
                        }
                    }
                },
                ended: {
                    seen.withLockedValue { state in
                        state.done?.resume(throwing: Problem(description: "redis-server exited: \(state.text)"))
                        state.done = nil
                    }
                })
        }
        return process
    }
}
