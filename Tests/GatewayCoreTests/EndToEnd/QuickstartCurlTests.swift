import DevStack
import Foundation
import GatewayCore
import RedisServerFixture
import Testing

/// The printed quickstart, pasted into bash as a new user would, against the dev walk gateway.
@Suite("End to end: quickstart commands with curl")
struct QuickstartCurlTests {
    static let hasCurl =
        FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")
        && FileManager.default.isExecutableFile(atPath: "/bin/bash")

    @Test(
        "TOKEN capture, the authorised call and the SSE stream all work as printed",
        .enabled(if: hasCurl, "needs /usr/bin/curl and /bin/bash"))
    func pasteIntoBash() async throws {
        try await DevWalk.run(withMetrics: true) { walk in
            let text = quickstart(gatewayBaseURL: "http://127.0.0.1:\(walk.gateway.port)")
            let lines = text.split(separator: "\n").map(String.init)
            let capture = try #require(lines.first { $0.hasPrefix("TOKEN=") })
            let call = try #require(lines.first { $0.hasPrefix("curl -s http") })
            let stream = try #require(lines.first { $0.hasPrefix("curl -N ") })
            let script = [
                "set -e", capture, #"test -n "$TOKEN""#, "echo", call, "echo", "echo ---",
                "curl -sS --max-time 20"
                    + stream.dropFirst("curl".count),
            ].joined(separator: "\n")
            let (status, output) = try await Self.bash(script)
            #expect(status == 0, "\(output)")
            let parts = output.components(separatedBy: "\n---\n")
            try #require(parts.count == 2, "\(output)")
            let echo = try #require(
                parts[0].split(separator: "\n").last.flatMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }, "\(parts[0])")
            #expect(echo["service"] as? String == "orchestration")
            #expect(echo["path"] as? String == "/conversations")
            #expect(echo["x_user_id"] as? String == DevCredentials.userID)
            #expect(echo["x_user_roles"] as? String == DevCredentials.roles.joined(separator: ","))
            for n in 1...5 { #expect(parts[1].contains("id: \(n)\n"), "\(parts[1])") }

            let metrics = try await walk.gateway.scrapeMetrics()
            #expect(
                metrics.value(
                    "aegis_requests_total",
                    [
                        "route": "/api/v1/auth/token", "service": "auth", "method": "POST", "status": "200",
                    ]) == 1, "\(metrics.text)")
            #expect(
                metrics.value(
                    "aegis_requests_total",
                    [
                        "route": "/api/v1/agents/{id}/stream/{conv_id}", "service": "orchestration", "method": "GET",
                        "status": "200",
                    ]) == 1, "\(metrics.text)")
            #expect(metrics.value("aegis_open_streams") == 0)
        }
    }

    /// Runs `script` with bash; returns its exit status and stdout + stderr.
    static func bash(_ script: String) async throws -> (Int32, String) {
        let process = try ChildProcess.spawn(
            "/bin/bash", ["-c", script], environment: ProcessInfo.processInfo.environment, stderr: .stdout)
        let exited = AwaitableState<Int32?>(nil)
        process.onExit { ended in exited.update { $0 = ended.status } }
        async let reader = PipeReader.readAllOffPool(process.stdout!)
        let status = try await exited.wait(for: "bash to exit", timeout: .seconds(30)) { $0 }
        let data = await reader
        return (status, String(decoding: data, as: UTF8.self))
    }
}
