import Foundation
import NIOCore
import NIOPosix
import RedisServerFixture
import Synchronization
import Testing

/// The built `aegis-gateway` binary run as a child process, its stdout and stderr captured as
/// they arrive so tests can await a line instead of sleeping.
final class GatewayProcess: Sendable {
    /// Package root, from this file's location (Tests/GatewayCoreTests/EndToEnd/…).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// The binary built beside the running tests (so a sanitizer build in its own scratch path runs
    /// its own), else the default debug build's.
    static let binary: URL = {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for directory in [
            testBinary.deletingLastPathComponent(), testBinary.deletingLastPathComponent().deletingLastPathComponent(),
        ] {
            let candidate = directory.appendingPathComponent("aegis-gateway")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return packageRoot.appendingPathComponent(".build/debug/aegis-gateway")
    }()
    /// Fails loudly (never skips) when the binary is missing or older than a source file: a test
    /// of a stale binary would check yesterday's gateway.
    static func requireFreshBinary() throws {
        let files = FileManager.default
        guard files.isExecutableFile(atPath: binary.path),
            var built = try files.attributesOfItem(atPath: binary.path)[.modificationDate] as? Date
        else {
            throw BinaryProblem(description: "\(binary.path) is missing: run `swift build` before `swift test`")
        }
        // A build that found nothing to relink (a file touched, not changed) still rewrites the
        // executable target's output map: the binary is as new as that build.
        let outputMap = binary.deletingLastPathComponent().appendingPathComponent(
            "AegisGateway.build/output-file-map.json")
        if let mapped = try? files.attributesOfItem(atPath: outputMap.path)[.modificationDate] as? Date, mapped > built
        {
            built = mapped
        }
        let sources = packageRoot.appendingPathComponent("Sources")
        let enumerator = files.enumerator(at: sources, includingPropertiesForKeys: [.contentModificationDateKey])
        while let file = enumerator?.nextObject() as? URL {
            guard file.pathExtension == "swift",
                let changed = try file.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate
            else { continue }
            if changed > built {
                throw BinaryProblem(
                    description: "\(binary.path) is older than \(file.path): run `swift build` before `swift test`")
            }
        }
    }

    struct BinaryProblem: Error, CustomStringConvertible {
        var description: String
    }

    struct Output: Sendable {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var exitStatus: Int32?
        /// True when a signal ended the process (`exitStatus` is then the signal's number).
        var signalled = false
        var stdoutClosed = false
        var stderrClosed = false
        var finished: Bool { exitStatus != nil && stdoutClosed && stderrClosed }
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    private let process: ChildProcess
    let output = AwaitableState(Output())

    private init(process: ChildProcess) {
        self.process = process
    }

    var pid: Int32 { process.pid }

    /// - Parameter readStdout: false leaves stdout a pipe nobody reads (it fills and blocks writers).
    static func launch(_ arguments: [String], environment: [String: String], readStdout: Bool = true) throws
        -> GatewayProcess
    {
        try requireFreshBinary()
        var env = ProcessInfo.processInfo.environment
        // Only what the test sets: nothing from the developer's shell may change the gateway.
        for key in env.keys
        where key.hasSuffix("_URL") || key.hasPrefix("JWT_") || key.hasPrefix("LOG_")
            || key.hasPrefix("API_GATEWAY_") || key.hasPrefix("METRICS_") || key.hasPrefix("RATE_LIMIT")
        {
            env[key] = nil
        }
        env.merge(environment) { $1 }
        let process = try ChildProcess.spawn(binary.path, arguments, environment: env)
        let running = GatewayProcess(process: process)
        let state = running.output
        process.onExit { ended in
            state.update {
                $0.exitStatus = ended.status
                $0.signalled = ended.signalled
            }
        }
        // One blocking reader thread per pipe, until end of file; an unread stdout stays open
        // (and unread) for as long as the process lives.
        if readStdout {
            PipeReader.forEachPieceOffPool(
                of: process.stdout!, { data in state.update { $0.stdout += data } },
                ended: { state.update { $0.stdoutClosed = true } })
        } else {
            state.update { $0.stdoutClosed = true }
            let unread = process.stdout!
            process.onExit { _ in close(unread) }
        }
        PipeReader.forEachPieceOffPool(
            of: process.stderr!, { data in state.update { $0.stderr += data } },
            ended: { state.update { $0.stderrClosed = true } })
        return running
    }

    /// Launches the gateway on loopback ports it picks (`API_GATEWAY_PORT` and each of
    /// `portVariables`) and returns once it accepts. A port can be taken by another process between
    /// the check and the child's bind; then the child exits naming `EADDRINUSE` and is launched
    /// again on fresh ports, as `RedisServer.start` does.
    static func launchAccepting(
        _ arguments: [String], environment: [String: String], portVariables: [String] = [],
        readStdout: Bool = true
    ) async throws -> (process: GatewayProcess, ports: [String: Int]) {
        for attempt in 1...5 {
            var ports: [String: Int] = [:]
            for name in ["API_GATEWAY_PORT"] + portVariables { ports[name] = try await TestPorts.unused() }
            let process = try launch(
                arguments, environment: environment.merging(ports.mapValues(String.init)) { $1 },
                readStdout: readStdout)
            let port = ports["API_GATEWAY_PORT"]!
            if try await awaitAccepting(port: port, unlessExited: process) { return (process, ports) }
            let output = try await process.waitForExit()
            try #require(
                output.stderrText.contains("Address already in use") && attempt < 5,
                "exited (\(output.exitStatus.map(String.init) ?? "?")) before accepting on \(port)\nstderr: \(output.stderrText)"
            )
        }
        throw TestUpstreamError.noLocalPort
    }

    /// Connects to `port`, retrying refused attempts (a child process cannot signal readiness
    /// other than by its port or its output); false as soon as `process` has exited.
    private static func awaitAccepting(port: Int, unlessExited process: GatewayProcess) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: "127.0.0.1", port: port).get()
                try? await channel.close()
                return true
            } catch {
                if process.output.value.exitStatus != nil { return false }
                if ContinuousClock.now >= deadline { throw error }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Waits until stdout contains `text`.
    func waitForStdout(containing text: String, timeout: Duration = .seconds(20)) async throws {
        _ = try await output.wait(for: "stdout containing \(text)", timeout: timeout) { output in
            if output.stdoutText.contains(text) { return true }
            if output.finished { return false }  // exited without printing it
            return nil
        }
        let current = output.value
        try #require(
            current.stdoutText.contains(text),
            "exited (\(current.exitStatus.map(String.init) ?? "?")) before printing \(text)\nstdout: \(current.stdoutText)\nstderr: \(current.stderrText)"
        )
    }

    func signal(_ signal: Int32) {
        process.signal(signal)
    }

    /// Waits for the exit; kills the process (and fails) if it outlives `timeout`.
    func waitForExit(timeout: Duration = .seconds(20)) async throws -> Output {
        do {
            return try await output.wait(for: "process exit", timeout: timeout) { $0.finished ? $0 : nil }
        } catch {
            process.signal(SIGKILL)
            throw error
        }
    }

    /// Kills the process if a test left it running.
    func killIfRunning() {
        process.signal(SIGKILL)
    }

    /// The quickstart lines from `text` (curl commands and the TOKEN capture).
    static func commandLines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("curl ") || $0.hasPrefix("TOKEN=") }
    }
}
