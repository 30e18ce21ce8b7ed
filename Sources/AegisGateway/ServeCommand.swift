import ArgumentParser
import Foundation
import GatewayCore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway, configured by the environment (see README)."
    )

    func run() async throws {
        let configuration = try loadConfiguration(profile: .serve)
        try await GatewayRunner(configuration: configuration).run()
    }
}

/// Parses the environment, or exits 2 with one line naming the bad variable (SPEC §2).
func loadConfiguration(profile: GatewayConfiguration.Profile) throws -> GatewayConfiguration {
    do {
        return try GatewayConfiguration(environment: ProcessInfo.processInfo.environment, profile: profile)
    } catch {
        FileHandle.standardError.write(Data("aegis-gateway: \(error.description)\n".utf8))
        throw ExitCode(2)
    }
}
