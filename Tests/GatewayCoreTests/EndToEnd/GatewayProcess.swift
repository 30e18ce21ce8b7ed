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
        var exitReason: Process.TerminationReason?
        var stdoutClosed = false
        var stderrClosed = false
        var finished: Bool { exitStatus != nil && stdoutClosed && stderrClosed }
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    private let process: Process
    let output = AwaitableState(Output())
    /// Kept open and never read when the caller asked for an unread stdout.
    private let unreadStdout: Pipe?

    private init(process: Process, unreadStdout: Pipe? = nil) {
        self.process = process
        self.unreadStdout = unreadStdout
    }

    var pid: Int32 { process.processIdentifier }

    /// - Parameter readStdout: false leaves stdout a pipe nobody reads (it fills and blocks writers).
    static func launch(_ arguments: [String], environment: [String: String], readStdout: Bool = true) throws
        -> GatewayProcess
    {
        try requireFreshBinary()
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // Only what the test sets: nothing from the developer's shell may change the gateway.
        for key in env.keys
        where key.hasSuffix("_URL") || key.hasPrefix("JWT_") || key.hasPrefix("LOG_")
            || key.hasPrefix("API_GATEWAY_") || key.hasPrefix("METRICS_") || key.hasPrefix("RATE_LIMIT")
        {
            env[key] = nil
        }
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let running = GatewayProcess(process: process, unreadStdout: readStdout ? nil : out)
        let state = running.output
        process.terminationHandler = { process in
            state.update {
                $0.exitStatus = process.terminationStatus
                $0.exitReason = process.terminationReason
            }
        }
        try process.runSerialized()
        // One blocking reader thread per pipe, until end of file.
        if !readStdout { state.update { $0.stdoutClosed = true } }
        for (pipe, isStdout) in readStdout ? [(out, true), (err, false)] : [(err, false)] {
            let fd = pipe.fileHandleForReading.fileDescriptor
            Thread.detachNewThread {
                PipeReader.forEachPiece(of: fd) { data in
                    state.update { if isStdout { $0.stdout += data } else { $0.stderr += data } }
                }
                state.update { if isStdout { $0.stdoutClosed = true } else { $0.stderrClosed = true } }
            }
        }
        return running
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
        kill(process.processIdentifier, signal)
    }

    /// Waits for the exit; kills the process (and fails) if it outlives `timeout`.
    func waitForExit(timeout: Duration = .seconds(20)) async throws -> Output {
        do {
            return try await output.wait(for: "process exit", timeout: timeout) { $0.finished ? $0 : nil }
        } catch {
            kill(process.processIdentifier, SIGKILL)
            throw error
        }
    }

    /// Kills the process if a test left it running.
    func killIfRunning() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Connects to `port` on `host`, retrying refused attempts until `deadline` (a child process
    /// cannot signal readiness to us any other way than by its port or its output).
    static func awaitAccepting(host: String = "127.0.0.1", port: Int, timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: host, port: port).get()
                try? await channel.close()
                return
            } catch {
                if ContinuousClock.now >= deadline { throw error }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// The quickstart lines from `text` (curl commands and the TOKEN capture).
    static func commandLines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("curl ") || $0.hasPrefix("TOKEN=") }
    }
}
