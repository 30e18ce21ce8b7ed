import DevStack
import Foundation
import GatewayCore
import Testing

/// `aegis-gateway dev` as a real process: loopback only, quickstart on stdout, login, a call,
/// an SSE stream, text access log, metrics, and exit 0 on SIGTERM (SPEC §13).
@Suite("End to end: aegis-gateway dev process", .serialized)
struct DevProcessTests {
    @Test(
        "dev mode serves the quickstart walk on 127.0.0.1 and exits 0 on SIGTERM")
    func devWalk() async throws {
        let (process, ports) = try await GatewayProcess.launchAccepting(
            ["dev"], environment: [:], portVariables: ["METRICS_PORT"])
        defer { process.killIfRunning() }
        let port = ports["API_GATEWAY_PORT"]!
        let metricsPort = ports["METRICS_PORT"]!

        let base = "http://127.0.0.1:\(port)"
        try await process.waitForStdout(containing: "AEGIS gateway dev mode: \(base)")

        // The quickstart printed is the library's, for this address.
        let expected = quickstart(gatewayBaseURL: base)
        try await process.waitForStdout(containing: expected)
        let commands = GatewayProcess.commandLines(expected)
        #expect(commands.count >= 4)

        // Log in as the quickstart says.
        let login = try await RawHTTPClient.fetch(
            port: port, "POST", "/api/v1/auth/token", headers: [("Content-Type", "application/json")],
            body: DevWalk.loginBody)
        #expect(login.status == 200)
        let token = try #require(try login.jsonObject()["access_token"] as? String)
        #expect(login.header("Set-Cookie")?.hasPrefix("aegis_token=\(token);") == true)

        // An authorised call.
        let call = try await RawHTTPClient.fetch(
            port: port, "GET", "/api/v1/conversations", headers: [("Authorization", "Bearer \(token)")])
        #expect(call.status == 200)
        let echo = try call.jsonObject()
        #expect(echo["service"] as? String == "orchestration")
        #expect(echo["path"] as? String == "/conversations")
        #expect(echo["x_user_id"] as? String == DevCredentials.userID)
        #expect(echo["x_user_roles"] as? String == "admin,operator,reviewer")

        // An SSE stream: read the first two events, then hang up.
        let client = try await RawHTTPClient.connect(port: port)
        try await client.send(
            RawHTTPClient.request("GET", "/api/v1/agents/a1/stream/c1", headers: [("Authorization", "Bearer \(token)")])
        )
        let head = try await client.readHead()
        #expect(head.status == 200)
        #expect(head.header("Content-Type") == "text/event-stream")
        #expect(try await client.nextEvent()?.id == "1")
        #expect(try await client.nextEvent()?.id == "2")
        await client.close()

        // Metrics on their own port, on loopback.
        let scrape = try await RawHTTPClient.fetch(port: metricsPort, "GET", "/metrics")
        #expect(scrape.status == 200)
        let metrics = try PrometheusExposition(scrape.bodyString)
        #expect(
            metrics.value(
                "aegis_requests_total",
                [
                    "route": "/api/v1/auth/token", "service": "auth", "method": "POST", "status": "200",
                ]) == 1, "\(metrics.text)")

        process.signal(SIGTERM)
        let output = try await process.waitForExit()
        #expect(!output.signalled)
        #expect(output.exitStatus == 0, "stderr: \(output.stderrText)")
        for line in commands {
            #expect(output.stdoutText.contains(line), "quickstart line missing: \(line)")
        }
        // Dev mode logs text by default: one access line per request, none of them JSON.
        let access = output.stdoutText.split(separator: "\n").filter { $0.contains(" access ") }
        #expect(access.count == 3, "\(access)")
        #expect(access.contains { $0.contains(#""POST" "/api/v1/auth/token" status=200"#) }, "\(access)")
        #expect(access.contains { $0.contains(#""GET" "/api/v1/conversations" status=200"#) }, "\(access)")
        #expect(!access.contains { $0.hasPrefix("{") })
        // The token never appears in what the process wrote.
        #expect(!output.stdoutText.contains(token))
        #expect(!output.stderrText.contains(token))
    }

    @Test(
        "dev mode does not listen on a non-loopback address",
        .enabled(
            if: LocalAddresses.firstNonLoopbackIPv4() != nil,
            "needs the built binary and a non-loopback IPv4 address"))
    func loopbackOnly() async throws {
        let other = try #require(LocalAddresses.firstNonLoopbackIPv4())
        let (process, ports) = try await GatewayProcess.launchAccepting(["dev"], environment: ["METRICS_PORT": "0"])
        defer { process.killIfRunning() }
        let port = ports["API_GATEWAY_PORT"]!
        try await process.waitForStdout(containing: "AEGIS gateway dev mode: http://127.0.0.1:\(port)")
        await #expect(throws: (any Error).self, "dev gateway reachable on \(other)") {
            _ = try await RawHTTPClient.connect(host: other, port: port)
        }
        process.signal(SIGTERM)
        let output = try await process.waitForExit()
        #expect(output.exitStatus == 0)
    }

    @Test(
        "the README quickstart is what dev mode prints",
        .enabled(
            if: FileManager.default.fileExists(
                atPath: GatewayProcess.packageRoot.appendingPathComponent("README.md").path),
            "README.md not written yet"))
    func readmeMatches() throws {
        let readme = try String(
            contentsOf: GatewayProcess.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let candidates = ["http://127.0.0.1:8000", "http://localhost:8000"].map {
            GatewayProcess.commandLines(quickstart(gatewayBaseURL: $0))
        }
        let matching = candidates.first { lines in lines.allSatisfy { readme.contains($0) } }
        #expect(matching != nil, "README lacks the dev quickstart lines, e.g. \(candidates[0])")
        #expect(readme.contains(DevCredentials.email) && readme.contains(DevCredentials.password))
    }
}

/// This machine's own addresses, to show a loopback-only listener is not reachable on them.
enum LocalAddresses {
    static func firstNonLoopbackIPv4() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else {
                continue
            }
            var inet = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
            var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            guard inet_ntop(AF_INET, &inet.sin_addr, &buffer, socklen_t(INET_ADDRSTRLEN)) != nil else { continue }
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !text.hasPrefix("127.") { return text }
        }
        return nil
    }
}
