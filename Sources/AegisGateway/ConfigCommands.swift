import ArgumentParser
import Foundation
import GatewayCore

/// `aegis-gateway config`: the built-in configuration as a file to start from (SPEC §14).
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the built-in routes and services (with the current *_URL values) as a CONFIG_FILE."
    )

    func run() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["CONFIG_FILE"] = nil
        let configuration: GatewayConfiguration
        do {
            configuration = try GatewayConfiguration(environment: environment)
        } catch {
            FileHandle.standardError.write(Data("aegis-gateway: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
        let text = ConfigurationFile.renderBuiltIn(endpoints: configuration.endpoints)
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// `aegis-gateway validate FILE`: checks a configuration file as a start or reload would, like `nginx -t`.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a configuration file: prints `ok: N routes, M services` (exit 0) or its problems (exit 2)."
    )

    @Argument(help: "The configuration file (YAML or JSON).")
    var file: String

    func run() throws {
        let loaded = try loadFile(file)
        print("ok: \(loaded.routes.count) routes, \(loaded.services.count) services")
    }
}
