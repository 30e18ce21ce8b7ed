import Foundation
import GatewayCore
import Testing

/// One `TestUpstream` per service, each answering `{"service":"<name>"}`, so a test can
/// tell which service the gateway chose and with which internal path.
struct ServiceUpstreams {
    let byService: [ServiceName: TestUpstream]

    static func start() async throws -> ServiceUpstreams {
        var byService: [ServiceName: TestUpstream] = [:]
        for service in ServiceName.builtIn {
            let name = service.rawValue
            byService[service] = try await TestUpstream.start { _ in
                .json(#"{"service":"\#(name)"}"#, headers: [("X-Test-Service", name)])
            }
        }
        return ServiceUpstreams(byService: byService)
    }

    subscript(_ service: ServiceName) -> TestUpstream { byService[service]! }

    /// (service, uri) of every request any upstream received.
    var received: [(ServiceName, String)] {
        byService.flatMap { service, upstream in upstream.requests.map { (service, $0.uri) } }
    }

    func shutdown() async {
        for upstream in byService.values { try? await upstream.shutdown() }
    }

    /// Starts the upstreams and a gateway routing each service to its own one (under
    /// `basePath`), runs `body`, tears everything down. `fromFile` starts the gateway with the
    /// built-in configuration as `aegis-gateway config` prints it, loaded as CONFIG_FILE would be.
    static func run(
        basePath: String = "", fromFile: Bool = false,
        _ body: (TestGateway, ServiceUpstreams) async throws -> Void
    ) async throws {
        let upstreams = try await start()
        let gateway: TestGateway
        do {
            gateway = try await TestGateway.start(upstream: nil) { configuration in
                for (service, upstream) in upstreams.byService {
                    configuration.upstreams[service] = UpstreamURL(parsing: upstream.url + basePath)
                }
                if fromFile {
                    let text = ConfigurationFile.renderBuiltIn(endpoints: configuration.endpoints)
                    configuration.file = try? ConfigurationFile.parse(text)
                    // The file is the whole truth: the variables no longer matter.
                    for service in ServiceName.builtIn {
                        configuration.upstreams[service] = UpstreamURL(parsing: "http://127.0.0.1:1")
                    }
                }
            }
        } catch {
            await upstreams.shutdown()
            throw error
        }
        do {
            try await body(gateway, upstreams)
        } catch {
            await gateway.shutdown()
            await upstreams.shutdown()
            throw error
        }
        await gateway.shutdown()
        await upstreams.shutdown()
    }
}

/// One request and where SPEC §9 says it must land.
struct RouteCase: Sendable, CustomTestStringConvertible {
    var method: String
    var target: String
    var service: ServiceName
    var internalPath: String
    /// Send without any token (public routes).
    var anonymous = false

    init(_ method: String, _ target: String, _ service: ServiceName, _ internalPath: String, anonymous: Bool = false) {
        self.method = method
        self.target = target
        self.service = service
        self.internalPath = internalPath
        self.anonymous = anonymous
    }

    init(_ target: String, _ service: ServiceName, _ internalPath: String, anonymous: Bool = false) {
        self.init("GET", target, service, internalPath, anonymous: anonymous)
    }

    var testDescription: String { "\(method) \(target) → \(service.rawValue) \(internalPath)" }
}
