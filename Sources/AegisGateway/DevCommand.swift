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

    func run() async throws {
        var configuration = try loadConfiguration(profile: .dev)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: EventLoopThreads.count)
        let stack = try await DevStack.start(
            DevStackConfiguration(jwtSecret: configuration.jwtSecret, jwtIssuer: configuration.jwtIssuer), group: group)
        for (service, url) in stack.urls {
            if let parsed = UpstreamURL(parsing: url) { configuration.upstreams[service] = parsed }
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
