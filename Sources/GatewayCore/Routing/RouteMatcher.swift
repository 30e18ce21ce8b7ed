#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Matches a raw (still percent-encoded) path against the route table.
///
/// Matching works on the path exactly as received: nothing is decoded, so no encoding can move a
/// request to another route (SPEC §10); hygiene has already refused dot segments and encoded slashes.
public struct RouteMatcher: Sendable {
    private enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    /// One route ready to match; which list holds it says its kind (exact, parameters, prefix).
    /// A class, so scanning the candidates costs a retain each, not a copy of every field.
    private final class Compiled: Sendable {
        let index: Int
        let route: Route
        /// The public pattern's segments (parameter routes only).
        let segments: [Segment]
        /// Internal prefix (prefix routes) or template (others).
        let internalTemplate: String
        let internalSegments: [Segment]
        /// Exact path, prefix, or the literal text before the first `{`: compared as bytes.
        let key: [UInt8]

        init(
            index: Int, route: Route, segments: [Segment] = [], internalTemplate: String,
            internalSegments: [Segment] = [], key: [UInt8]
        ) {
            self.index = index
            self.route = route
            self.segments = segments
            self.internalTemplate = internalTemplate
            self.internalSegments = internalSegments
            self.key = key
        }
    }

    public let routes: [Route]
    private var exact: [Compiled] = []
    private var parameterRoutes: [Compiled] = []
    /// Prefix routes grouped by the byte at `bucketOffset` (the first after `/api/v1/`), longest
    /// first within a group; a request scans only its group and the routes too short to group.
    private var prefixBuckets: [[Compiled]] = Array(repeating: [], count: 256)
    private var shortPrefixes: [Compiled] = []
    private static let bucketOffset = 8

    public init(_ routes: [Route]) {
        self.routes = routes
        var prefixRoutes: [Compiled] = []
        for (index, route) in routes.enumerated() {
            let internalPath: String
            if case .upstream(_, let path) = route.target { internalPath = path } else { internalPath = route.pattern }
            if route.pattern.hasSuffix("*") {
                let prefix = Self.stripStar(route.pattern)
                let compiled = Compiled(
                    index: index, route: route, internalTemplate: Self.stripStar(internalPath), key: Array(prefix.utf8))
                prefixRoutes.append(compiled)
            } else if route.pattern.contains("{") {
                let literal = route.pattern[..<route.pattern.firstIndex(of: "{")!]
                let compiled = Compiled(
                    index: index, route: route, segments: Self.segments(route.pattern),
                    internalTemplate: internalPath, internalSegments: Self.segments(internalPath),
                    key: Array(literal.utf8))
                parameterRoutes.append(compiled)
            } else {
                exact.append(
                    Compiled(index: index, route: route, internalTemplate: internalPath, key: Array(route.pattern.utf8)))
            }
        }
        parameterRoutes.sort { a, b in
            if a.segments.count != b.segments.count { return a.segments.count > b.segments.count }
            return Self.literalCount(a.segments) > Self.literalCount(b.segments)
        }
        prefixRoutes.sort { $0.key.count > $1.key.count }
        for compiled in prefixRoutes {
            if compiled.key.count > Self.bucketOffset {
                prefixBuckets[Int(compiled.key[Self.bucketOffset])].append(compiled)
            } else {
                shortPrefixes.append(compiled)
            }
        }
    }

    /// Finds the most specific route for `path` (no query) and method.
    ///
    /// Candidates are compared as bytes against the path's contiguous UTF-8; only a parameter
    /// route whose literal prefix matches splits the path into segments.
    public func match(path: Substring, method: String) -> RouteMatchResult {
        if let result = path.utf8.withContiguousStorageIfAvailable({ match(bytes: $0, path: path, method: method) }) {
            return result
        }
        let copy = Array(path.utf8)
        return copy.withUnsafeBufferPointer { match(bytes: $0, path: path, method: method) }
    }

    private func match(bytes: UnsafeBufferPointer<UInt8>, path: Substring, method: String) -> RouteMatchResult {
        for compiled in exact where compiled.key.count == bytes.count && Self.startsWith(bytes, compiled.key) {
            return Self.finish(compiled, method: method) {
                RouteMatch(
                    route: compiled.route, routeIndex: compiled.index, internalPath: compiled.internalTemplate,
                    publicPrefix: path, internalPrefix: compiled.internalTemplate)
            }
        }
        var pathSegments: ArraySlice<Substring>? = nil
        for compiled in parameterRoutes where Self.startsWith(bytes, compiled.key) {
            let pattern = compiled.segments
            let segments = pathSegments ?? path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            pathSegments = segments
            guard pattern.count == segments.count, let bound = Self.bind(pattern, to: segments) else { continue }
            return Self.finish(compiled, method: method) {
                let rendered = Self.render(compiled.internalSegments, bound)
                return RouteMatch(
                    route: compiled.route, routeIndex: compiled.index, internalPath: rendered,
                    publicPrefix: path, internalPrefix: rendered)
            }
        }
        let bucket = bytes.count > Self.bucketOffset ? prefixBuckets[Int(bytes[Self.bucketOffset])] : []
        for compiled in bucket where Self.startsWith(bytes, compiled.key) {
            if let result = prefixResult(compiled, bytes: bytes, path: path, method: method) { return result }
        }
        for compiled in shortPrefixes where Self.startsWith(bytes, compiled.key) {
            if let result = prefixResult(compiled, bytes: bytes, path: path, method: method) { return result }
        }
        return .notFound
    }

    /// The match for a prefix route whose key the path starts with, if it ends on a segment boundary.
    private func prefixResult(
        _ compiled: Compiled, bytes: UnsafeBufferPointer<UInt8>, path: Substring, method: String
    ) -> RouteMatchResult? {
        let n = compiled.key.count
        guard bytes.count == n || bytes[n] == UInt8(ascii: "/") else { return nil }
        return Self.finish(compiled, method: method) {
            let cut = path.utf8.index(path.utf8.startIndex, offsetBy: n)
            return RouteMatch(
                route: compiled.route, routeIndex: compiled.index,
                internalPath: compiled.internalTemplate + path[cut...],
                publicPrefix: path[..<cut], internalPrefix: compiled.internalTemplate)
        }
    }

    @inline(__always)
    private static func startsWith(_ bytes: UnsafeBufferPointer<UInt8>, _ key: [UInt8]) -> Bool {
        guard bytes.count >= key.count, !key.isEmpty else { return key.isEmpty }
        return key.withUnsafeBufferPointer { k in
            memcmp(bytes.baseAddress!, k.baseAddress!, k.count) == 0
        }
    }

    private static func finish(_ compiled: Compiled, method: String, _ make: () -> RouteMatch) -> RouteMatchResult {
        if let methods = compiled.route.methods, !methods.contains(method) {
            return .methodNotAllowed(compiled.route, routeIndex: compiled.index)
        }
        return .matched(make())
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
