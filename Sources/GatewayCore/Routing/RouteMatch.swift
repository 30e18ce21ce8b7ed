/// What the matcher decided for one path.
public enum RouteMatchResult: Sendable {
    case matched(RouteMatch)
    /// The path is a route's, the method is not: 405 with `Allow`.
    case methodNotAllowed(Route, routeIndex: Int)
    case notFound
}

public struct RouteMatch: Sendable {
    public let route: Route
    /// Position of the route in the table: a cheap key for per-route counters.
    public let routeIndex: Int
    /// The path to send upstream (before the upstream's base path), bytes as received.
    public let internalPath: String
    /// Upstream `Location` values under `internalPrefix` are rewritten to `publicPrefix` (SPEC §10).
    public let publicPrefix: Substring
    public let internalPrefix: String
}
