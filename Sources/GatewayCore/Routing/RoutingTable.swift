/// Routes and services as one value (SPEC §9, §14): what a request is matched against and where
/// it goes. Built once per configuration and never changed; a reload builds a new one, and a
/// request keeps the table it started with.
public final class RoutingTable: Sendable {
    public let matcher: RouteMatcher
    /// By route index: the route's service and its endpoints (nil for routes the gateway answers).
    let endpointsByRoute: [ServiceEndpoints?]
    /// Every service with its endpoints and their health.
    public let serviceEndpoints: [ServiceEndpoints]
    /// By route index: the route's metrics label number (`RouteLabels`).
    let labelByRoute: [Int]
    /// Every endpoint of the table, for keeping their pooled connections across a reload.
    public let endpointIDs: Set<Int>

    /// The route for a request's path and method. Through the table, which reads its matcher in
    /// place: `routing.matcher.match` copied the matcher out first (six counts per request).
    func match(path: Substring, method: String) -> RouteMatchResult {
        matcher.match(path: path, method: method)
    }

    /// - Parameter routes: the table's routes; `/health` and `/ready` are added when missing.
    public init(routes: [Route], services: [ServiceName: [UpstreamURL]]) {
        var all = routes
        for builtIn in Self.gatewayRoutes where !all.contains(where: { $0.pattern == builtIn.pattern }) {
            all.append(builtIn)
        }
        matcher = RouteMatcher(all)
        var byService: [ServiceName: ServiceEndpoints] = [:]
        for (service, endpoints) in services where !endpoints.isEmpty {
            byService[service] = ServiceEndpoints(service: service, endpoints: endpoints)
        }
        serviceEndpoints = byService.values.sorted { $0.service.rawValue < $1.service.rawValue }
        endpointsByRoute = all.map { route in route.service.flatMap { byService[$0] } }
        labelByRoute = all.map { route in
            RouteLabels.id(RouteLabel(pattern: route.pattern, service: route.service?.rawValue ?? "gateway"))
        }
        endpointIDs = Set(serviceEndpoints.flatMap { $0.endpoints.map(\.endpointID) })
    }

    /// The built-in configuration: the SPEC §9 table and one URL per built-in service.
    public convenience init(builtInWith endpoints: [ServiceName: [UpstreamURL]]) {
        self.init(routes: aegisRoutes, services: endpoints)
    }

    /// The routes the gateway answers itself, in every table.
    static let gatewayRoutes: [Route] = aegisRoutes.filter { $0.service == nil }
}
