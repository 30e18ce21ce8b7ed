import Foundation
import Testing

@testable import GatewayCore

/// Printing a configuration, in any of Swift's ways, never shows the JWT secret or a Redis
/// password: swift-service-lifecycle logs its services (and so the configuration) at debug level.
@Suite struct ConfigurationDescriptionTests {
    static let secret = "description-test-secret-4711"
    static let password = "redis-pass-0815"

    @Test func noWayOfPrintingShowsTheSecrets() throws {
        let configuration = try GatewayConfiguration(environment: [
            "JWT_SECRET": Self.secret, "RATE_LIMIT_REDIS_URL": "redis://user:\(Self.password)@10.0.0.1:6390",
        ])
        var dumped = ""
        dump(configuration, to: &dumped)
        struct Holder { let configuration: GatewayConfiguration }
        for text in [
            "\(configuration)", String(reflecting: configuration), dumped, "\(Holder(configuration: configuration))",
            String(reflecting: Holder(configuration: configuration)), "\([configuration])",
        ] {
            #expect(!text.contains(Self.secret), "\(text)")
            #expect(!text.contains(Self.password), "\(text)")
            #expect(text.contains("<redacted>"), "\(text)")
        }
        #expect("\(configuration)".contains("10.0.0.1:6390"))
    }

    /// The whole process at debug level, start-up to shutdown: the secret appears nowhere.
    @Test func aDebugLogNeverHoldsTheSecret() async throws {
        let (process, _) = try await GatewayProcess.launchAccepting(
            ["serve"],
            environment: [
                "JWT_SECRET": Self.secret, "LOG_LEVEL": "debug", "METRICS_PORT": "0",
                "API_GATEWAY_HOST": "127.0.0.1",
            ])
        defer { process.killIfRunning() }
        process.signal(SIGTERM)
        let output = try await process.waitForExit()
        #expect(output.exitStatus == 0, "\(output.stderrText)")
        #expect(output.stderrText.contains("debug"), "the debug log was on: \(output.stderrText)")
        #expect(!output.stderrText.contains(Self.secret))
        #expect(!output.stdoutText.contains(Self.secret))
    }
}
