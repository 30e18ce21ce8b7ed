import ArgumentParser
import DevStack
import Foundation
import GatewayCore
import NIOPosix

struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run the gateway with stand-in backends for every AEGIS service, on loopback."
    )

    @Option(
        name: .long, help: "A configuration file (SPEC §14): its routes, with a stand-in for each service it names.")
    var config: String?

    func run() async throws {
        var configuration = try loadConfiguration(profile: .dev, configFile: config)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: EventLoopThreads.count)
        let services =
            configuration.file.map { Array($0.services.keys).sorted { $0.rawValue < $1.rawValue } }
            ?? ServiceName.builtIn
        let stack = try await DevStack.start(
            DevStackConfiguration(jwtSecret: configuration.jwtSecret, jwtIssuer: configuration.jwtIssuer),
            services: services, group: group)
        configuration.extraEndpoints = [:]
        for (service, url) in stack.urls {
            if let parsed = UpstreamURL(parsing: url) { configuration.upstreams[service] = parsed }
        }
        if let file = configuration.file {
            // The file's routes, each service at its stand-in; not reloaded (its endpoints are not the stand-ins).
            configuration.file = file.replacingEndpoints(
                Dictionary(
                    uniqueKeysWithValues: stack.urls.compactMap { service, url in
                        UpstreamURL(parsing: url).map { (service, [$0]) }
                    }))
            configuration.configFile = nil
        }
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        let shownHost = configuration.host == "::" || configuration.host == "0.0.0.0" ? "localhost" : host
        try await GatewayRunner(configuration: configuration, group: group) { port in
            let text = quickstart(gatewayBaseURL: "http://\(shownHost):\(port)")
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        }.run()
        try? await stack.shutdown()
    }
}
