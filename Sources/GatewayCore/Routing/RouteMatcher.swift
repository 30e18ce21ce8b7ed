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
        enum Kind { case exact, parameters, prefix }
        let kind: Kind
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
            internalSegments: [Segment] = [], key: [UInt8], kind: Kind
        ) {
            self.kind = kind
            self.index = index
            self.route = route
            self.segments = segments
            self.internalTemplate = internalTemplate
            self.internalSegments = internalSegments
            self.key = key
        }

        /// The pattern's whole literal segment at `position` (1 is the first after the leading
        /// `/`), nil when there is none: shorter, a `{x}`, or a prefix's last partial text.
        func literalSegment(_ position: Int) -> Substring? {
            let text: Substring
            switch kind {
            case .exact: text = Substring(route.pattern)
            case .prefix: text = Substring(RouteMatcher.stripStar(route.pattern))
            case .parameters: text = Substring(route.pattern)
            }
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard position < parts.count else { return nil }
            let segment = parts[position]
            if segment.contains("{") { return nil }
            return segment
        }
    }

    public let routes: [Route]

    /// The candidates a path can match, in the order they are tried. A class: a lookup costs one
    /// retain, not one per list.
    private final class Candidates: @unchecked Sendable {
        // Filled while the matcher is built, read-only once it is shared.
        var exact: [Compiled] = []
        /// Most segments first, then most literal segments.
        var parameters: [Compiled] = []
        /// Longest prefix first.
        var prefixes: [Compiled] = []

        func append(_ compiled: Compiled) {
            switch compiled.kind {
            case .exact: exact.append(compiled)
            case .parameters: parameters.append(compiled)
            case .prefix: prefixes.append(compiled)
            }
        }

        func sort() {
            parameters.sort { a, b in
                if a.segments.count != b.segments.count { return a.segments.count > b.segments.count }
                return RouteMatcher.literalCount(a.segments) > RouteMatcher.literalCount(b.segments)
            }
            prefixes.sort { $0.key.count > $1.key.count }
        }
    }

    /// Routes grouped by their literal segment at `keySegment` (hashed), each group holding also
    /// the routes without one there; a path is tried against its group only, so match time
    /// depends on the group's size, not the table's (500 routes cost what 33 do).
    private var buckets: [UInt64: Candidates] = [:]
    /// The routes without a literal at `keySegment`: all a path without that segment can match.
    private var unbucketed = Candidates()
    /// The path segment that splits the table best (3 for `/api/v1/<here>/...`).
    private let keySegment: Int

    public init(_ routes: [Route]) {
        self.routes = routes
        var all: [Compiled] = []
        for (index, route) in routes.enumerated() {
            let internalPath: String
            if case .upstream(_, let path) = route.target { internalPath = path } else { internalPath = route.pattern }
            if route.pattern.hasSuffix("*") {
                let prefix = Self.stripStar(route.pattern)
                all.append(
                    Compiled(
                        index: index, route: route, internalTemplate: Self.stripStar(internalPath),
                        key: Array(prefix.utf8),
                        kind: .prefix))
            } else if route.pattern.contains("{") {
                let literal = route.pattern[..<route.pattern.firstIndex(of: "{")!]
                all.append(
                    Compiled(
                        index: index, route: route, segments: Self.segments(route.pattern),
                        internalTemplate: internalPath, internalSegments: Self.segments(internalPath),
                        key: Array(literal.utf8), kind: .parameters))
            } else {
                all.append(
                    Compiled(
                        index: index, route: route, internalTemplate: internalPath, key: Array(route.pattern.utf8),
                        kind: .exact))
            }
        }
        // Choose the segment whose groups are smallest (routes without a literal there count in every group).
        var best = (index: 1, cost: Int.max)
        for candidate in 1...6 {
            var sizes: [Substring: Int] = [:]
            var loose = 0
            for compiled in all {
                if let segment = compiled.literalSegment(candidate) {
                    sizes[segment, default: 0] += 1
                } else {
                    loose += 1
                }
            }
            let cost = (sizes.values.max() ?? 0) + loose
            if cost < best.cost { best = (candidate, cost) }
        }
        keySegment = best.index
        var grouped: [UInt64: Candidates] = [:]
        let loose = Candidates()
        for compiled in all {
            if let segment = compiled.literalSegment(keySegment) {
                let key = Array(segment.utf8).withUnsafeBufferPointer { Self.hash($0, 0..<$0.count) }
                if grouped[key] == nil { grouped[key] = Candidates() }
                grouped[key]!.append(compiled)
            } else {
                loose.append(compiled)
            }
        }
        for group in grouped.values {
            for compiled in loose.exact + loose.parameters + loose.prefixes { group.append(compiled) }
            group.sort()
        }
        loose.sort()
        buckets = grouped
        unbucketed = loose
    }

    /// FNV-1a: a segment's bytes to a group key.
    @inline(__always)
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var i = range.lowerBound
        while i < range.upperBound {
            h = (h ^ UInt64(bytes[i])) &* 0x100_0000_01b3
            i += 1
        }
        return h
    }

    /// The group key of the path's segment at `keySegment`, nil when the path has none.
    private func groupKey(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        var slashes = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "/") {
                slashes += 1
                if slashes == keySegment {
                    var end = i + 1
                    while end < bytes.count, bytes[end] != UInt8(ascii: "/") { end += 1 }
                    return Self.hash(bytes, (i + 1)..<end)
                }
            }
            i += 1
        }
        return nil
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
        let candidates = groupKey(bytes).flatMap { buckets[$0] } ?? unbucketed
        for compiled in candidates.exact where compiled.key.count == bytes.count && Self.startsWith(bytes, compiled.key)
        {
            return Self.finish(compiled, method: method) {
                RouteMatch(
                    route: compiled.route, routeIndex: compiled.index, internalPath: compiled.internalTemplate,
                    publicPrefix: path, internalPrefix: compiled.internalTemplate)
            }
        }
        var pathSegments: ArraySlice<Substring>? = nil
        for compiled in candidates.parameters where Self.startsWith(bytes, compiled.key) {
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
        for compiled in candidates.prefixes where Self.startsWith(bytes, compiled.key) {
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

    fileprivate static func stripStar(_ pattern: String) -> String {
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
