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

    @Flag(
        name: .long,
        help:
            "Serve HTTPS with HTTP/2 (port 8443 unless API_GATEWAY_PORT says) with a certificate for localhost from a CA made at start."
    )
    var tls = false

    func run() async throws {
        var configuration = try loadConfiguration(profile: .dev, configFile: config)
        var curlOptions = ""
        if tls {
            let certificatePath = try DevTLS.enable(&configuration)
            curlOptions = "--cacert \(certificatePath)"
        }
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
        var shownHost = configuration.host == "::" || configuration.host == "0.0.0.0" ? "localhost" : host
        // The certificate names localhost; so does the URL, so that curl and browsers accept it.
        if tls && (shownHost == "127.0.0.1" || shownHost == "[::1]") { shownHost = "localhost" }
        let scheme = tls ? "https" : "http"
        try await GatewayRunner(configuration: configuration, group: group) { [shownHost, curlOptions, tls] port in
            var text = quickstart(gatewayBaseURL: "\(scheme)://\(shownHost):\(port)", curlOptions: curlOptions)
            if tls {
                text += """
                    # TLS: a certificate for localhost, 127.0.0.1 and ::1 from a CA made at this start (the file
                    # above is that CA; curl trusts it with --cacert, or skip checks with -k). HTTP/2 is offered by
                    # ALPN (curl --http2). For a browser, import the file as a trusted authority, or accept the warning.

                    """
            }
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        }.run()
        try? await stack.shutdown()
    }
}
