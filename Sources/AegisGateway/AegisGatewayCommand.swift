import ArgumentParser

@main
struct AegisGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aegis-gateway",
        abstract: "The AEGIS API gateway: CORS, rate limiting, JWT auth and streaming reverse proxy.",
        subcommands: [ServeCommand.self, DevCommand.self, TokenCommand.self, ConfigCommand.self, ValidateCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
