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

/// Parses the environment and loads CONFIG_FILE, or exits 2 with one line naming the bad
/// variable (SPEC §2) or one line per problem of the file (SPEC §14).
func loadConfiguration(profile: GatewayConfiguration.Profile, configFile: String? = nil) throws -> GatewayConfiguration
{
    var configuration: GatewayConfiguration
    do {
        var environment = ProcessInfo.processInfo.environment
        if let configFile { environment["CONFIG_FILE"] = configFile }
        configuration = try GatewayConfiguration(environment: environment, profile: profile)
        try configuration.loadTLS()
    } catch {
        FileHandle.standardError.write(Data("aegis-gateway: \(error.description)\n".utf8))
        throw ExitCode(2)
    }
    if let path = configuration.configFile {
        configuration.file = try loadFile(path)
    }
    return configuration
}

/// Loads a configuration file, or prints its problems (`FILE: line N: …`) and exits 2.
func loadFile(_ path: String) throws -> ConfigurationFile {
    do {
        return try ConfigurationFile.load(path: path)
    } catch {
        let lines = error.problems.map { "aegis-gateway: \(path): \($0)\n" }.joined()
        FileHandle.standardError.write(Data(lines.utf8))
        throw ExitCode(2)
    }
}
