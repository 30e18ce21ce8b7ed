/// Matches a raw (still percent-encoded) path against the route table.
///
/// Matching works on the path exactly as received: nothing is decoded, so no encoding can move a
/// request to another route (SPEC §10); hygiene has already refused dot segments and encoded slashes.
public struct RouteMatcher: Sendable {
    private enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    private enum Shape: Sendable {
        case exact(String)
        case parameters([Segment])
        /// P itself and everything below it on a segment boundary.
        case prefix(String)
    }

    private struct Compiled: Sendable {
        let index: Int
        let route: Route
        let shape: Shape
        /// Internal prefix (prefix routes) or template (others).
        let internalTemplate: String
        let internalSegments: [Segment]
    }

    public let routes: [Route]
    private var exact: [String: Compiled] = [:]
    private var parameterRoutes: [Compiled] = []
    private var prefixRoutes: [Compiled] = []

    public init(_ routes: [Route]) {
        self.routes = routes
        for (index, route) in routes.enumerated() {
            let internalPath: String
            if case .upstream(_, let path) = route.target { internalPath = path } else { internalPath = route.pattern }
            if route.pattern.hasSuffix("*") {
                let compiled = Compiled(
                    index: index, route: route, shape: .prefix(Self.stripStar(route.pattern)),
                    internalTemplate: Self.stripStar(internalPath), internalSegments: [])
                prefixRoutes.append(compiled)
            } else if route.pattern.contains("{") {
                let compiled = Compiled(
                    index: index, route: route, shape: .parameters(Self.segments(route.pattern)),
                    internalTemplate: internalPath, internalSegments: Self.segments(internalPath))
                parameterRoutes.append(compiled)
            } else {
                exact[route.pattern] = Compiled(
                    index: index, route: route, shape: .exact(route.pattern), internalTemplate: internalPath,
                    internalSegments: [])
            }
        }
        parameterRoutes.sort { a, b in
            guard case .parameters(let sa) = a.shape, case .parameters(let sb) = b.shape else { return false }
            if sa.count != sb.count { return sa.count > sb.count }
            return Self.literalCount(sa) > Self.literalCount(sb)
        }
        prefixRoutes.sort { a, b in
            guard case .prefix(let pa) = a.shape, case .prefix(let pb) = b.shape else { return false }
            return pa.utf8.count > pb.utf8.count
        }
    }

    /// Finds the most specific route for `path` (no query) and method.
    public func match(path: Substring, method: String) -> RouteMatchResult {
        if let compiled = exact[String(path)] {
            return Self.finish(compiled, method: method) {
                RouteMatch(
                    route: compiled.route, routeIndex: compiled.index, internalPath: compiled.internalTemplate,
                    publicPrefix: path, internalPrefix: compiled.internalTemplate)
            }
        }
        if !parameterRoutes.isEmpty {
            let pathSegments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            for compiled in parameterRoutes {
                guard case .parameters(let pattern) = compiled.shape, pattern.count == pathSegments.count,
                    let bound = Self.bind(pattern, to: pathSegments)
                else { continue }
                return Self.finish(compiled, method: method) {
                    let rendered = Self.render(compiled.internalSegments, bound)
                    return RouteMatch(
                        route: compiled.route, routeIndex: compiled.index, internalPath: rendered,
                        publicPrefix: path, internalPrefix: rendered)
                }
            }
        }
        for compiled in prefixRoutes {
            guard case .prefix(let prefix) = compiled.shape, Self.isSegmentPrefix(prefix, of: path) else { continue }
            return Self.finish(compiled, method: method) {
                let rest = path.utf8.dropFirst(prefix.utf8.count)
                return RouteMatch(
                    route: compiled.route, routeIndex: compiled.index,
                    internalPath: compiled.internalTemplate + String(Substring(rest)),
                    publicPrefix: path.prefix(prefix.count), internalPrefix: compiled.internalTemplate)
            }
        }
        return .notFound
    }

    private static func finish(_ compiled: Compiled, method: String, _ make: () -> RouteMatch) -> RouteMatchResult {
        if let methods = compiled.route.methods, !methods.contains(method) {
            return .methodNotAllowed(compiled.route)
        }
        return .matched(make())
    }

    /// `/a/b` is a segment prefix of `/a/b`, `/a/b/` and `/a/b/c`, not of `/a/bc`.
    static func isSegmentPrefix(_ prefix: String, of path: Substring) -> Bool {
        let p = prefix.utf8
        let s = path.utf8
        guard s.starts(with: p) else { return false }
        if s.count == p.count { return true }
        return s[s.index(s.startIndex, offsetBy: p.count)] == UInt8(ascii: "/")
    }

    private static func bind(_ pattern: [Segment], to path: ArraySlice<Substring>) -> [String: Substring]? {
        var bound: [String: Substring] = [:]
        for (segment, actual) in zip(pattern, path) {
            switch segment {
            case .literal(let text):
                guard actual == text else { return nil }
            case .parameter(let name):
                guard !actual.isEmpty else { return nil }
                bound[name] = actual
            }
        }
        return bound
    }

    private static func render(_ template: [Segment], _ bound: [String: Substring]) -> String {
        var out = ""
        for segment in template {
            out += "/"
            switch segment {
            case .literal(let text): out += text
            case .parameter(let name): out += bound[name] ?? ""
            }
        }
        return out
    }

    private static func stripStar(_ pattern: String) -> String {
        var p = Substring(pattern)
        if p.hasSuffix("*") { p = p.dropLast() }
        if p.hasSuffix("/") { p = p.dropLast() }
        return String(p)
    }

    private static func segments(_ pattern: String) -> [Segment] {
        pattern.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { s in
            if s.hasPrefix("{") && s.hasSuffix("}") { return .parameter(String(s.dropFirst().dropLast())) }
            return .literal(String(s))
        }
    }

    private static func literalCount(_ segments: [Segment]) -> Int {
        segments.reduce(0) { n, s in if case .literal = s { n + 1 } else { n } }
    }
}
