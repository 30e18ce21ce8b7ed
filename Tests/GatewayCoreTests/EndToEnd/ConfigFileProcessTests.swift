import Foundation
import GatewayCore
import Testing

/// SPEC §14 through the built binary: `config`, `validate`, CONFIG_FILE at start, SIGHUP.
@Suite("End to end: configuration file", .serialized)
struct ConfigFileProcessTests {
    static func temporary(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "aegis-process-config-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    static let billing = """
        services:
          billing:
            endpoints: ["http://127.0.0.1:1"]
        routes:
          - {path: "/api/v1/invoices*", service: billing, rewrite: "/invoices*", public: true}
        """

    @Test("config prints a file that validate accepts: 32 routes, 8 services")
    func printAndValidate() async throws {
        try GatewayProcess.requireFreshBinary()
        let printed = try GatewayProcess.launch(["config"], environment: ["KNOWLEDGE_GRAPH_URL": "http://kg:9003/v2"])
        let output = try await printed.waitForExit()
        #expect(output.exitStatus == 0)
        #expect(output.stdoutText.contains(#"endpoints: ["http://kg:9003/v2"]"#), "the current *_URL values")
        let path = try Self.temporary(output.stdoutText)
        let validated = try await GatewayProcess.launch(["validate", path], environment: [:]).waitForExit()
        #expect(validated.exitStatus == 0)
        #expect(validated.stdoutText == "ok: 32 routes, 8 services\n")
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test("validate and start-up refuse a bad file with a line per problem, exit 2")
    func refused() async throws {
        try GatewayProcess.requireFreshBinary()
        let path = try Self.temporary(
            Self.billing.replacingOccurrences(of: "service: billing", with: "service: nope") + "\nextra: 1\n")
        let validated = try await GatewayProcess.launch(["validate", path], environment: [:]).waitForExit()
        #expect(validated.exitStatus == 2)
        let lines = validated.stderrText.split(separator: "\n")
        #expect(lines.count == 2, "\(validated.stderrText)")
        #expect(lines.allSatisfy { $0.hasPrefix("aegis-gateway: \(path): line ") }, "\(validated.stderrText)")
        let started = try await ConfigurationProcessTests.run(env: [
            "CONFIG_FILE": path, "API_GATEWAY_PORT": "1", "METRICS_PORT": "0",
        ])
        #expect(started.status == 2)
        #expect(started.stderr == validated.stderrText)
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test(
        "CONFIG_FILE replaces the built-in routes; *_URL is ignored with a warning; SIGHUP reloads, a storm of them too"
    )
    func startAndReload() async throws {
        let path = try Self.temporary(Self.billing)
        let (process, ports) = try await GatewayProcess.launchAccepting(
            ["serve"],
            environment: [
                "CONFIG_FILE": path, "CONFIG_WATCH_SECONDS": "0", "METRICS_PORT": "0",
                "API_GATEWAY_HOST": "127.0.0.1", "ORCHESTRATION_URL": "http://ignored:1",
                "RATE_LIMIT_PER_MINUTE": "6000000", "RATE_LIMIT_BURST": "100000",
            ])
        defer { process.killIfRunning() }
        let port = ports["API_GATEWAY_PORT"]!
        // The file's route: public, upstream down, so 502 proves it was routed.
        #expect(try await RawHTTPClient.fetch(port: port, "GET", "/api/v1/invoices/1").status == 502)
        #expect(
            try await RawHTTPClient.fetch(port: port, "GET", "/api/v1/conversations").status == 401,
            "a built-in route answered")
        try (Self.billing + "\n  - {path: \"/api/v1/receipts*\", service: billing, rewrite: \"/r*\", public: true}\n")
            .write(toFile: path, atomically: false, encoding: .utf8)
        process.signal(SIGHUP)
        try await eventually("the reloaded route") {
            try await RawHTTPClient.fetch(port: port, "GET", "/api/v1/receipts").status == 502
        }
        // A reload storm: 1,000 SIGHUPs at once; the gateway keeps serving the one configuration.
        for _ in 0..<1000 { process.signal(SIGHUP) }
        for _ in 0..<20 {
            let receipts = try await RawHTTPClient.fetch(port: port, "GET", "/api/v1/receipts")
            #expect(receipts.status == 502, "\(receipts.rawHead)\(receipts.bodyString)")
            let invoices = try await RawHTTPClient.fetch(port: port, "GET", "/api/v1/invoices")
            #expect(invoices.status == 502, "\(invoices.rawHead)\(invoices.bodyString)")
        }
        process.signal(SIGTERM)
        let output = try await process.waitForExit()
        #expect(output.exitStatus == 0, "SIGHUP must not end the gateway: \(output.stderrText)")
        #expect(
            output.stderrText.contains("ORCHESTRATION_URL"),
            "no warning about the ignored variable: \(output.stderrText)")
        #expect(output.stderrText.contains("configuration reloaded"))
        try? FileManager.default.removeItem(atPath: path)
    }
}

extension ConfigFileProcessTests {
    @Test("dev --config FILE: the file's routes, a stand-in for each service it names")
    func devWithFile() async throws {
        let path = try Self.temporary(Self.billing)
        let (process, ports) = try await GatewayProcess.launchAccepting(
            ["dev", "--config", path], environment: ["METRICS_PORT": "0"])
        defer { process.killIfRunning() }
        let port = ports["API_GATEWAY_PORT"]!
        let call = try await RawHTTPClient.fetch(port: port, "GET", "/api/v1/invoices/7?x=1")
        #expect(call.status == 200, "\(call.bodyString)")
        let echo = try call.jsonObject()
        #expect(echo["service"] as? String == "billing")
        #expect(echo["path"] as? String == "/invoices/7")
        // The built-in table is not there: an unknown path after authentication.
        #expect(try await RawHTTPClient.fetch(port: port, "GET", "/api/v1/auth/token").status == 401)
        process.signal(SIGTERM)
        let output = try await process.waitForExit()
        #expect(output.exitStatus == 0, "\(output.stderrText)")
        try? FileManager.default.removeItem(atPath: path)
    }
}
