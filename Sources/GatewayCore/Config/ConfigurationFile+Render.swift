extension ConfigurationFile {
    /// The YAML of a configuration: what `aegis-gateway config` prints for the built-in one
    /// (SPEC §14), one line a route, strings quoted so `{x}` and `*` stay plain text.
    public static func render(routes: [Route], services: [ServiceName: [UpstreamURL]], header: String? = nil) -> String
    {
        var out = ""
        if let header {
            for line in header.split(separator: "\n", omittingEmptySubsequences: false) { out += "# \(line)\n" }
        }
        out += "services:\n"
        let ordered =
            ServiceName.builtIn.filter { services[$0] != nil }
            + services.keys.filter { !ServiceName.builtIn.contains($0) }.sorted { $0.rawValue < $1.rawValue }
        for service in ordered {
            let endpoints = (services[service] ?? []).map { quoted($0.description) }.joined(separator: ", ")
            out += "  \(service.rawValue):\n    endpoints: [\(endpoints)]\n"
        }
        out += "routes:\n"
        for route in routes {
            guard case .upstream(let service, let internalPath) = route.target else { continue }
            var fields = ["path: \(quoted(route.pattern))"]
            if let methods = route.methods { fields.append("methods: [\(methods.joined(separator: ", "))]") }
            fields.append("service: \(service.rawValue)")
            fields.append("rewrite: \(quoted(internalPath))")
            switch route.access {
            case .authenticated: break
            case .public: fields.append("public: true")
            case .anyRole(let roles): fields.append("roles: [\(roles.joined(separator: ", "))]")
            }
            out += "  - {\(fields.joined(separator: ", "))}\n"
        }
        return out
    }

    /// The built-in configuration as `aegis-gateway config` prints it.
    public static func renderBuiltIn(endpoints: [ServiceName: [UpstreamURL]]) -> String {
        render(
            routes: aegisRoutes, services: endpoints,
            header: """
                AEGIS gateway configuration (SPEC §14): services and their endpoints, and the route table.
                Start with CONFIG_FILE=<this file>; check a change with `aegis-gateway validate <file>`;
                the gateway reloads it on SIGHUP and when its content changes (CONFIG_WATCH_SECONDS).
                Route order does not matter: the most specific pattern wins. /health and /ready are built in.
                """)
    }

    /// A double-quoted YAML (and JSON) string.
    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case " "..."~": out.unicodeScalars.append(scalar)
            default:
                let hex = String(scalar.value, radix: 16)
                out += "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
            }
        }
        return out + "\""
    }
}
