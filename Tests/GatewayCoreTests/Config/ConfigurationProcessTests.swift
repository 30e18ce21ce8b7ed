import Foundation
import GatewayCore
import RedisServerFixture
import Testing

/// SPEC §2 at process level: the built binary exits 2 with one stderr line naming the
/// bad variable (and never the secret).
@Suite struct ConfigurationProcessTests {
    static var binary: URL { GatewayProcess.binary }

    struct Outcome {
        var status: Int32
        var stderr: String
        var stdout: String
    }

    /// Runs the binary with only `env` (plus PATH); kills it if it is still running after 20 s.
    static func run(env: [String: String]) async throws -> Outcome {
        try GatewayProcess.requireFreshBinary()
        let process = try ChildProcess.spawn(
            binary.path, [], environment: env.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a })
        let killer = Task {
            try await Task.sleep(for: .seconds(20))
            process.signal(SIGTERM)
        }
        async let outData = PipeReader.readAllOffPool(process.stdout!)
        async let errData = PipeReader.readAllOffPool(process.stderr!)
        let (out, err) = await (outData, errData)
        let ended = await process.exited()
        killer.cancel()
        return Outcome(
            status: ended.status, stderr: String(decoding: err, as: UTF8.self),
            stdout: String(decoding: out, as: UTF8.self))
    }

    @Test(
        arguments: [
            (["API_GATEWAY_PORT": "99999"], "API_GATEWAY_PORT", "99999"),
            (["RATE_LIMIT_BURST": "zero"], "RATE_LIMIT_BURST", "zero"),
            (["COMPLIANCE_URL": "compliance:8006"], "COMPLIANCE_URL", "compliance:8006"),
            (["TRUSTED_PROXIES": "10.0.0.0/40"], "TRUSTED_PROXIES", "10.0.0.0/40"),
            (["API_GATEWAY_PORT": "9100", "METRICS_PORT": "9100"], "METRICS_PORT", "9100"),
        ])
    func badVariableExitsTwoWithOneLine(env: [String: String], variable: String, value: String) async throws {
        let outcome = try await Self.run(env: env.merging(["JWT_SECRET": "proc-test-secret-xyz"]) { a, _ in a })
        #expect(outcome.status == 2, "stderr: \(outcome.stderr)")
        let lines = outcome.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "stderr: \(outcome.stderr)")
        #expect(outcome.stderr.contains(variable))
        #expect(outcome.stderr.contains(value))
        #expect(!outcome.stderr.contains("proc-test-secret-xyz"))
        #expect(!outcome.stdout.contains("proc-test-secret-xyz"))
    }

    @Test
    func emptySecretExitsTwoNamingIt() async throws {
        let outcome = try await Self.run(env: ["JWT_SECRET": ""])
        #expect(outcome.status == 2, "stderr: \(outcome.stderr)")
        let lines = outcome.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "stderr: \(outcome.stderr)")
        #expect(outcome.stderr.contains("JWT_SECRET"))
    }
}
