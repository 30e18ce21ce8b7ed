import Foundation
import GatewayCore
import RedisServerFixture
import Testing

/// SPEC §13: `aegis-gateway token` prints a token the gateway accepts. Runs the built binary.
@Suite("aegis-gateway token command")
struct TokenCommandTests {
    static var binary: URL { GatewayProcess.binary }

    /// Runs the binary with exactly `environment`; returns (exit status, stdout, stderr).
    static func run(_ arguments: [String], environment: [String: String]) async throws -> (Int32, String, String) {
        try GatewayProcess.requireFreshBinary()
        let process = try ChildProcess.spawn(binary.path, arguments, environment: environment)
        // Read before waiting, so a full pipe cannot stall the child; off the task pool.
        async let stdoutBytes = PipeReader.readAllOffPool(process.stdout!)
        async let stderrBytes = PipeReader.readAllOffPool(process.stderr!)
        let (stdout, stderr) = await (stdoutBytes, stderrBytes)
        let ended = await process.exited()
        return (ended.status, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    @Test
    func printsATokenTheGatewayAccepts() async throws {
        let before = Int64(Date().timeIntervalSince1970)
        let (status, stdout, stderr) = try await Self.run(
            ["token", "--user-id", "cli-user", "--roles", "analyst,power_user", "--ttl", "1h"],
            environment: ["JWT_SECRET": TestGateway.secret, "PATH": "/usr/bin:/bin"])
        let after = Int64(Date().timeIntervalSince1970)
        #expect(status == 0, "stderr: \(stderr)")
        let lines = stdout.split(separator: "\n")
        #expect(lines.count == 1, "stdout: \(stdout)")
        let token = try #require(lines.first.map(String.init))
        #expect(!stderr.contains(TestGateway.secret))

        // Independent verification.
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        #expect(TestTokens.hasValidSignature(token, secret: TestGateway.secret))
        #expect(!TestTokens.hasValidSignature(token, secret: TestGateway.secret + "x"))
        let headerBytes = try #require(TestTokens.base64URLDecode(parts[0]))
        let header = try #require(try JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any])
        #expect(header["alg"] as? String == "HS256")
        let claims = try #require(TestTokens.claims(of: token))
        #expect(claims["user_id"] as? String == "cli-user")
        #expect(claims["roles"] as? [String] == ["analyst", "power_user"])
        #expect(claims["iss"] as? String == "aegis-gateway")
        let exp = try #require((claims["exp"] as? NSNumber)?.int64Value)
        #expect(exp >= before + 3600 - 1 && exp <= after + 3600 + 1, "exp \(exp), now ≈ \(before)")
        if let iat = (claims["iat"] as? NSNumber)?.int64Value {
            #expect(iat >= before - 1 && iat <= after + 1)
        }

        // The real gateway accepts it, roles included.
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let response = try await gateway.fetch(
                "GET", "/api/v1/detection-rules", headers: [SecurityTokens.bearer(token)])
            #expect(response.status == 200, "\(response.bodyString)")
            let recorded = try await upstream.waitForRequests(1)
            #expect(recorded[0].headers(named: "X-User-ID") == ["cli-user"])
            #expect(recorded[0].headers(named: "X-User-Roles") == ["analyst,power_user"])
            let admin = try await gateway.fetch("GET", "/api/v1/admin/x", headers: [SecurityTokens.bearer(token)])
            #expect(admin.status == 403)
        }
    }

    @Test
    func defaultLifetimeIs24Hours() async throws {
        let before = Int64(Date().timeIntervalSince1970)
        let (status, stdout, stderr) = try await Self.run(
            ["token", "--user-id", "day-user"],
            environment: ["JWT_SECRET": TestGateway.secret, "PATH": "/usr/bin:/bin"])
        #expect(status == 0, "stderr: \(stderr)")
        let token = stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(TestTokens.hasValidSignature(token, secret: TestGateway.secret))
        let claims = try #require(TestTokens.claims(of: token))
        let exp = try #require((claims["exp"] as? NSNumber)?.int64Value)
        #expect(abs(exp - (before + 86_400)) <= 5, "exp \(exp)")
        // No roles given: no role can be granted.
        #expect((claims["roles"] as? [String] ?? []).isEmpty)
    }
}
