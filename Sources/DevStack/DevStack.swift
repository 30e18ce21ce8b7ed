public import GatewayCore
public import NIOCore

/// The stand-in backends of `aegis-gateway dev`: one small HTTP server per service on
/// loopback, so the gateway can be tried end to end without the real AEGIS services.
public final class DevStack: Sendable {
    /// Base URL of each service's stand-in, `http://127.0.0.1:<port>`, for all services.
    public let urls: [ServiceName: String]
    private let servers: [any Channel]
    private let connections: ConnectionRegistry

    private init(urls: [ServiceName: String], servers: [any Channel], connections: ConnectionRegistry) {
        self.urls = urls
        self.servers = servers
        self.connections = connections
    }

    /// Binds one stand-in per service (the built-in ones unless `services` says otherwise) on an
    /// ephemeral port of `configuration.host`. A service the stand-ins do not know echoes.
    /// If any bind fails, the ones already bound are closed before the error is rethrown.
    public static func start(
        _ configuration: DevStackConfiguration, services: [ServiceName] = ServiceName.builtIn, group: any EventLoopGroup
    ) async throws -> DevStack {
        let settings = StandInSettings(configuration)
        let connections = ConnectionRegistry()
        var servers: [any Channel] = []
        var urls: [ServiceName: String] = [:]
        do {
            for service in services {
                let server = try await StandInServer.bind(
                    service,
                    host: configuration.host,
                    settings: settings,
                    registry: connections,
                    group: group
                )
                servers.append(server)
                guard let port = server.localAddress?.port else { throw DevStackError.noLocalPort(service) }
                urls[service] = "http://\(urlHost(configuration.host)):\(port)"
            }
        } catch {
            for server in servers { try? await server.close() }
            throw error
        }
        return DevStack(urls: urls, servers: servers, connections: connections)
    }

    /// Stops accepting, then closes open connections (running SSE streams included).
    public func shutdown() async throws {
        for server in servers {
            try? await server.close()
        }
        await connections.closeAll()
    }

    /// An IPv6 literal needs brackets in a URL authority.
    private static func urlHost(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }
}
