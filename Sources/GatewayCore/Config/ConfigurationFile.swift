import Crypto
import Foundation
import Yams

/// The configuration file of SPEC §14: services with their endpoints and the route table, as
/// YAML (or JSON, which is YAML). Parsed whole and checked whole: a file with any problem is
/// refused with one line per problem, each naming its line, and nothing of it is used.
public struct ConfigurationFile: Sendable {
    public let routes: [Route]
    public let services: [ServiceName: [UpstreamURL]]
    /// The first 12 hex digits of the file's SHA-256: `aegis_config_info{sha256=…}`.
    public let sha256Prefix: String

    public func makeRoutingTable() -> RoutingTable { RoutingTable(routes: routes, services: services) }

    /// The same routes with other endpoints (dev mode points every service at its stand-in).
    public func replacingEndpoints(_ endpoints: [ServiceName: [UpstreamURL]]) -> ConfigurationFile {
        ConfigurationFile(routes: routes, services: endpoints, sha256Prefix: sha256Prefix)
    }

    /// One reason a file is refused.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public let line: Int?
        public let message: String

        public var description: String { line.map { "line \($0): \(message)" } ?? message }
    }

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let problems: [Problem]
        public var description: String { problems.map(\.description).joined(separator: "\n") }
    }

    /// Reads and checks the file at `path`.
    public static func load(path: String) throws(Invalid) -> ConfigurationFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Invalid(problems: [Problem(line: nil, message: "cannot read \(path): \(error.localizedDescription)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Invalid(problems: [Problem(line: nil, message: "\(path) is not UTF-8 text")])
        }
        return try parse(text)
    }

    public static func parse(_ text: String) throws(Invalid) -> ConfigurationFile {
        var checker = Checker()
        let parsed = checker.check(text)
        guard checker.problems.isEmpty, let (routes, services) = parsed else {
            throw Invalid(problems: checker.problems.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        }
        let digest = SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
        return ConfigurationFile(routes: routes, services: services, sha256Prefix: String(digest.prefix(12)))
    }
}

/// Walks the YAML tree and collects every problem (not just the first).
private struct Checker {
    var problems: [ConfigurationFile.Problem] = []

    private mutating func problem(_ node: Node?, _ message: String) {
        problems.append(.init(line: node?.mark?.line, message: message))
    }

    mutating func check(_ text: String) -> ([Route], [ServiceName: [UpstreamURL]])? {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                problem(nil, "the file is empty: expected services and routes")
                return nil
            }
            root = node
        } catch {
            problems.append(.init(line: Self.line(of: error), message: "not valid YAML: \(Self.reason(of: error))"))
            return nil
        }
        guard let top = mapping(root, "the file", keys: ["services", "routes"]) else { return nil }
        var services: [ServiceName: [UpstreamURL]] = [:]
        var serviceLines: [ServiceName: Node] = [:]
        if let node = top["services"], let entries = pairs(node, "services") {
            for (nameNode, value) in entries {
                guard let name = nameNode.scalar?.string, ServiceName.isValidName(name) else {
                    problem(nameNode, "service name \(Self.shown(nameNode)): expected 1-64 of a-z 0-9 _ -")
                    continue
                }
                serviceLines[ServiceName(name)] = nameNode
                services[ServiceName(name)] = endpoints(of: value, service: name)
            }
        } else if top["services"] == nil {
            problem(root, "missing services")
        }
        guard let routesNode = top["routes"] else {
            problem(root, "missing routes")
            return nil
        }
        guard case .sequence(let sequence) = routesNode else {
            problem(routesNode, "routes: expected a list of routes")
            return nil
        }
        var routes: [(Route, Node)] = []
        for item in sequence {
            if let route = route(item, services: services) { routes.append((route, item)) }
        }
        // Two routes on one pattern may not answer the same method (SPEC §14).
        for (index, (route, node)) in routes.enumerated() {
            for (other, _) in routes[..<index] where other.pattern == route.pattern {
                let overlap =
                    route.methods == nil || other.methods == nil
                    || !Set(route.methods!).isDisjoint(with: other.methods!)
                if overlap {
                    problem(node, "route \(route.pattern) repeats another route's pattern with overlapping methods")
                    break
                }
            }
        }
        return (routes.map(\.0), services)
    }

    /// A mapping's entries by key, refusing duplicate keys and keys outside `keys` (nil: any).
    private mutating func mapping(_ node: Node, _ what: String, keys: Set<String>?) -> [String: Node]? {
        guard case .mapping(let mapping) = node else {
            problem(node, "\(what): expected a mapping")
            return nil
        }
        var out: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                problem(key, "\(what): keys must be plain names")
                continue
            }
            if let keys, !keys.contains(name) {
                problem(key, "\(what): unknown key \"\(name)\" (expected \(keys.sorted().joined(separator: ", ")))")
                continue
            }
            if out[name] != nil {
                problem(key, "\(what): \"\(name)\" appears twice")
                continue
            }
            out[name] = value
        }
        return out
    }

    /// A mapping's entries in order (for names chosen by the file), refusing duplicate keys.
    private mutating func pairs(_ node: Node, _ what: String) -> [(Node, Node)]? {
        guard case .mapping(let mapping) = node else {
            problem(node, "\(what): expected a mapping")
            return nil
        }
        var seen = Set<String>()
        var out: [(Node, Node)] = []
        for (key, value) in mapping {
            if let name = key.scalar?.string, !seen.insert(name).inserted {
                problem(key, "\(what): \"\(name)\" appears twice")
                continue
            }
            out.append((key, value))
        }
        return out
    }

    private mutating func endpoints(of node: Node, service: String) -> [UpstreamURL] {
        guard let fields = mapping(node, "service \(service)", keys: ["endpoints"]) else { return [] }
        guard let list = fields["endpoints"], case .sequence(let items) = list, !items.isEmpty else {
            problem(fields["endpoints"] ?? node, "service \(service) has no endpoints")
            return []
        }
        var out: [UpstreamURL] = []
        for item in items {
            guard let text = item.scalar?.string, let url = UpstreamURL(parsing: text) else {
                problem(
                    item,
                    "service \(service): bad endpoint URL \(Self.shown(item)) (expected http://host[:port][/base-path])"
                )
                continue
            }
            out.append(url)
        }
        return out
    }

    private mutating func route(_ node: Node, services: [ServiceName: [UpstreamURL]]) -> Route? {
        let keys: Set<String> = ["path", "methods", "service", "rewrite", "roles", "public"]
        guard let fields = mapping(node, "route", keys: keys) else { return nil }
        let before = problems.count
        let path = string(fields["path"], in: node, "path")
        let rewrite = string(fields["rewrite"], in: node, "rewrite")
        let serviceName = string(fields["service"], in: node, "service")
        let what = "route \(path ?? "?")"
        if let path {
            if let message = PatternRules.pathProblem(path) { problem(fields["path"], "\(what): \(message)") }
            if Self.reserved.contains(path) {
                problem(fields["path"], "\(what): reserved for the gateway's own \(path)")
            }
        }
        if let path, let rewrite {
            if let message = PatternRules.rewriteProblem(rewrite, path: path) {
                problem(fields["rewrite"], "\(what): \(message)")
            }
        }
        if let serviceName, services[ServiceName(serviceName)] == nil {
            problem(fields["service"], "\(what): unknown service \"\(serviceName)\"")
        }
        var methods: [String]? = nil
        if let node = fields["methods"] {
            methods = list(node, "\(what): methods") { method in
                method.count <= 20 && method.utf8.allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
                    ? nil : "method \"\(method)\" is not an upper-case HTTP method"
            }
        }
        var roles: [String]? = nil
        if let node = fields["roles"] {
            roles = list(node, "\(what): roles") { role in
                PatternRules.isValidRole(role) ? nil : "role \"\(role)\" is not 1-64 of A-Z a-z 0-9 . _ : -"
            }
        }
        var isPublic = false
        if let node = fields["public"] {
            if let flag = node.bool { isPublic = flag } else { problem(node, "\(what): public must be true or false") }
        }
        if isPublic && fields["roles"] != nil {
            problem(fields["public"], "\(what): public and roles exclude each other")
        }
        guard problems.count == before, let path, let rewrite, let serviceName else { return nil }
        let access: Route.Access = isPublic ? .public : roles.map { .anyRole($0) } ?? .authenticated
        return Route(
            pattern: path, methods: methods, target: .upstream(ServiceName(serviceName), internalPath: rewrite),
            access: access)
    }

    private mutating func string(_ node: Node?, in parent: Node, _ key: String) -> String? {
        guard let node else {
            problem(parent, "route: missing \(key)")
            return nil
        }
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            problem(node, "route: \(key) must be a string")
            return nil
        }
        return scalar.string
    }

    /// A non-empty list of distinct strings, each checked by `rule` (nil: fine).
    private mutating func list(_ node: Node, _ what: String, rule: (String) -> String?) -> [String]? {
        guard case .sequence(let items) = node, !items.isEmpty else {
            problem(node, "\(what): expected a non-empty list")
            return nil
        }
        var out: [String] = []
        for item in items {
            guard let text = item.scalar?.string else {
                problem(item, "\(what): expected strings")
                continue
            }
            if let message = rule(text) {
                problem(item, "\(what): \(message)")
            } else if out.contains(text) {
                problem(item, "\(what): \"\(text)\" listed twice")
            } else {
                out.append(text)
            }
        }
        return out
    }

    static let reserved: Set<String> = ["/health", "/ready"]

    static func shown(_ node: Node) -> String {
        guard let text = node.scalar?.string else { return "(not a string)" }
        return "\""
            + String(
                text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" }
                    .prefix(200)) + "\""
    }

    static func line(of error: any Error) -> Int? {
        if let error = error as? YamlError {
            switch error {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
                return mark.line
            case .duplicatedKeysInMapping(_, let context):
                return context.mark.line
            default:
                return nil
            }
        }
        return nil
    }

    static func reason(of error: any Error) -> String {
        if let error = error as? YamlError {
            switch error {
            case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
                return problem
            case .duplicatedKeysInMapping(let keys, _):
                return "a key appears twice in one mapping: " + keys.sorted().joined(separator: ", ")
            default:
                break
            }
        }
        return "\(error)".split(separator: "\n").first.map(String.init) ?? "unreadable"
    }
}

/// What a route's path and rewrite may look like (SPEC §9, §14).
enum PatternRules {
    /// nil when `path` is a pattern the matcher understands: starts with `/`, no space, query or
    /// fragment, `*` only at the end, `{x}` only as a whole segment, and not both.
    static func pathProblem(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return "path must start with /" }
        if let problem = textProblem(path) { return problem }
        let wildcard = path.hasSuffix("*")
        if path.dropLast(wildcard ? 1 : 0).contains("*") { return "* may only end a path" }
        let parameters = parameterNames(path)
        guard let names = parameters else { return "{x} must be a whole segment named [A-Za-z_][A-Za-z0-9_]*" }
        if wildcard && !names.isEmpty { return "a path is either a prefix (*) or has {x} segments, not both" }
        if Set(names).count != names.count { return "a {x} name repeats" }
        return nil
    }

    static func rewriteProblem(_ rewrite: String, path: String) -> String? {
        guard rewrite.hasPrefix("/") else { return "rewrite must start with /" }
        if let problem = textProblem(rewrite) { return problem }
        if path.hasSuffix("*") != rewrite.hasSuffix("*") {
            return path.hasSuffix("*")
                ? "a wildcard path needs a wildcard rewrite" : "a wildcard rewrite needs a wildcard path"
        }
        if rewrite.dropLast(rewrite.hasSuffix("*") ? 1 : 0).contains("*") { return "* may only end a rewrite" }
        guard let names = parameterNames(rewrite) else { return "{x} must be a whole segment in the rewrite" }
        let known = Set(parameterNames(path) ?? [])
        if let missing = names.first(where: { !known.contains($0) }) {
            return "rewrite uses {\(missing)}, which the path lacks"
        }
        return nil
    }

    static func isValidRole(_ role: String) -> Bool {
        (1...64).contains(role.utf8.count)
            && role.utf8.allSatisfy { byte in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-")
            }
    }

    private static func textProblem(_ text: String) -> String? {
        if text.utf8.contains(where: {
            $0 <= 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") || $0 == UInt8(ascii: "\\")
        }) {
            return "only printable ASCII without spaces, ? or #"
        }
        if text.contains("//") { return "empty segment (//)" }
        return nil
    }

    /// The `{x}` names in order, or nil when a brace is not a whole `{name}` segment.
    private static func parameterNames(_ text: String) -> [String]? {
        var names: [String] = []
        for segment in text.split(separator: "/", omittingEmptySubsequences: false) {
            guard segment.contains("{") || segment.contains("}") else { continue }
            guard segment.hasPrefix("{"), segment.hasSuffix("}"), segment.count > 2 else { return nil }
            let name = segment.dropFirst().dropLast()
            guard let first = name.first, first == "_" || (first.isASCII && first.isLetter),
                name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
            else { return nil }
            names.append(String(name))
        }
        return names
    }
}
