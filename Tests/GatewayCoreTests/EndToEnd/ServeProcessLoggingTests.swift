import Foundation
import GatewayCore
import Testing

/// The runner's access-log rule as a process: JSON lines on stdout at LOG_LEVEL info (the
/// default), none above info (SPEC §2, §13).
@Suite("End to end: serve process access log", .serialized)
struct ServeProcessLoggingTests {
    private static func run(_ environment: [String: String]) async throws -> (GatewayProcess.Output, String) {
        let (process, ports) = try await GatewayProcess.launchAccepting(
            ["serve"], environment: environment.merging(["METRICS_PORT": "0", "API_GATEWAY_HOST": "127.0.0.1"]) { $1 })
        defer { process.killIfRunning() }
        let port = ports["API_GATEWAY_PORT"]!
        let response = try await RawHTTPClient.fetch(
            port: port, "GET", "/health?probe=1", headers: [("X-Request-ID", "serve-log-probe")])
        try #require(response.status == 200)
        process.signal(SIGTERM)
        let output = try await process.waitForExit()
        #expect(output.exitStatus == 0, "stderr: \(output.stderrText)")
        return (output, "serve-log-probe")
    }

    @Test("at the default level, stdout gets one JSON access line per request")
    func defaultLevel() async throws {
        let (output, id) = try await Self.run([:])
        let lines = output.stdoutText.split(separator: "\n").map(String.init).filter { $0.contains(id) }
        try #require(lines.count == 1, "stdout: \(output.stdoutText)")
        let line = try accessLogObject(lines[0])
        #expect(line["path"] as? String == "/health")
        #expect(line["status"] as? Int == 200)
        #expect(line["route"] as? String == "/health")
        // Operational logs go to stderr, not into the access stream.
        #expect(
            output.stdoutText.split(separator: "\n").allSatisfy {
                (try? accessLogObject(String($0)))?["msg"] as? String == "access"
            })
    }

    @Test("LOG_LEVEL=warning turns the access log off")
    func warningLevel() async throws {
        let (output, id) = try await Self.run(["LOG_LEVEL": "warning"])
        #expect(!output.stdoutText.contains(id), "stdout: \(output.stdoutText)")
        #expect(!output.stdoutText.contains("access"))
    }

    @Test("LOG_FORMAT=text writes the access line as text")
    func textFormat() async throws {
        let (output, id) = try await Self.run(["LOG_FORMAT": "text"])
        let lines = output.stdoutText.split(separator: "\n").filter { $0.contains(id) }
        try #require(lines.count == 1, "stdout: \(output.stdoutText)")
        #expect(lines[0].contains(#" access "GET" "/health" status=200"#), "\(lines[0])")
    }
}
