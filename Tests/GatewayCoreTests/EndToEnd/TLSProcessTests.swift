import Foundation
import NIOSSL
import Testing

@testable import GatewayCore

/// SPEC §17 at process level: a bad TLS pair stops start-up (exit 2, one line naming the
/// variable), and `dev --tls` serves HTTPS with HTTP/2 with a certificate it makes.
@Suite("End to end: TLS in the binary", .serialized)
struct TLSProcessTests {
    @Test func aBadPairExitsTwoNamingTheVariable() async throws {
        let pki = try TestPKI()
        let other = try TestPKI()
        let good = try pki.writeFiles()
        let mismatched = try other.writeFiles()
        let cases: [([String: String], String)] = [
            (["TLS_CERT_FILE": good.certificate], "TLS_KEY_FILE"),
            (["TLS_CERT_FILE": "/nonexistent/chain.pem", "TLS_KEY_FILE": good.key], "TLS_CERT_FILE"),
            (["TLS_CERT_FILE": good.certificate, "TLS_KEY_FILE": mismatched.key], "TLS_KEY_FILE"),
            (["TLS_CERT_FILE": good.key, "TLS_KEY_FILE": good.key], "TLS_CERT_FILE"),
        ]
        for (env, variable) in cases {
            let outcome = try await ConfigurationProcessTests.run(
                env: env.merging(["JWT_SECRET": "tls-proc-secret"]) { a, _ in a })
            #expect(outcome.status == 2, "stderr: \(outcome.stderr)")
            let lines = outcome.stderr.split(separator: "\n", omittingEmptySubsequences: true)
            #expect(lines.count == 1, "stderr: \(outcome.stderr)")
            #expect(outcome.stderr.contains(variable), "stderr: \(outcome.stderr)")
            // The key's content never reaches the output.
            #expect(!outcome.stderr.contains("PRIVATE KEY"))
        }
    }

    @Test func devTLSServesHTTPSWithACertificateForLocalhost() async throws {
        let (process, ports) = try await GatewayProcess.launchAccepting(
            ["dev", "--tls"], environment: [:], portVariables: ["METRICS_PORT"])
        defer { process.killIfRunning() }
        let port = ports["API_GATEWAY_PORT"]!
        try await process.waitForStdout(containing: "AEGIS gateway dev mode: https://localhost:\(port)")
        try await process.waitForStdout(containing: "from a CA made at this start")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-dev-ca.pem").path
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(path)
        configuration.applicationProtocols = ["h2"]
        let client = try await H2TestClient.connect(
            port: port, tls: try NIOSSLContext(configuration: configuration), serverHostname: "localhost")
        let health = try await client.request("GET", "/health", authority: "localhost:\(port)")
        #expect(health.status == 200)
        await client.close()
        process.signal(SIGTERM)
        #expect(try await process.waitForExit().exitStatus == 0)
    }
}
