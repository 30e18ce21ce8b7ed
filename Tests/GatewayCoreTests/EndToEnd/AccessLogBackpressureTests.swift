import Foundation
import GatewayCore
import Testing

/// SPEC §13: the access log never blocks serving. With stdout a pipe nobody reads, the gateway
/// answers every request, drops the lines stdout cannot take and counts them.
@Suite("End to end: access log on a stdout nobody reads", .serialized)
struct AccessLogBackpressureTests {
    @Test
    func requestsAreAnsweredAndLinesDropped() async throws {
        let (process, ports) = try await GatewayProcess.launchAccepting(
            ["serve"],
            environment: [
                "API_GATEWAY_HOST": "127.0.0.1", "RATE_LIMIT_PER_MINUTE": "6000000000", "RATE_LIMIT_BURST": "100000000",
            ],
            portVariables: ["METRICS_PORT"], readStdout: false)
        defer { process.killIfRunning() }
        let port = ports["API_GATEWAY_PORT"]!
        let metricsPort = ports["METRICS_PORT"]!

        // Lines of about 1.2 KiB (the path is logged up to 1 KiB): 10,000 of them are three times
        // the 4 MiB queue, and the pipe takes 64 KiB.
        let path = "/api/v1/nothing/" + String(repeating: "a", count: 1000)
        let request = RawHTTPClient.request("GET", path, headers: [])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let client = try await RawHTTPClient.connect(port: port)
                    for _ in 0..<1250 {
                        try await client.send(request)
                        let response = try await client.readResponse(timeout: .seconds(10))
                        #expect(response.status == 401)
                    }
                    await client.close()
                }
            }
            try await group.waitForAll()
        }

        let metrics = try await RawHTTPClient.fetch(port: metricsPort, "GET", "/metrics")
        let dropped = metrics.bodyString.split(separator: "\n")
            .first { $0.hasPrefix("aegis_access_log_dropped_total") }
            .flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        let count = try #require(dropped, "the drop counter is exported")
        #expect(count > 0)

        process.signal(SIGTERM)
        let output = try await process.waitForExit()
        #expect(output.exitStatus == 0, "shutdown does not wait for stdout: \(output.stderrText)")
    }
}
