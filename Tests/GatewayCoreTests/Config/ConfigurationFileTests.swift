import GatewayCore
import Testing

/// SPEC §14: what a configuration file may say, and every refusal with its line.
@Suite("Configuration file")
struct ConfigurationFileTests {
    static let valid = """
        services:
          orchestration:
            endpoints: ["http://orch-1:8001", "http://orch-2:8001"]
          knowledge_graph:
            endpoints: ["http://kg:8003/v2/"]
        routes:
          - path: /api/v1/conversations*
            service: orchestration
            rewrite: /conversations*
          - path: /api/v1/agents/{id}/execute
            methods: [POST]
            service: orchestration
            rewrite: /execute
          - path: /api/v1/agents/{id}/stream/{conv_id}
            service: orchestration
            rewrite: /conversations/{conv_id}/stream
          - path: /api/v1/admin/*
            service: knowledge_graph
            rewrite: /admin/*
            roles: [admin]
          - path: /api/v1/entity-types*
            service: knowledge_graph
            rewrite: /entity-types*
            public: true
        """

    @Test("the SPEC's example loads as written")
    func example() throws {
        let file = try ConfigurationFile.parse(Self.valid)
        #expect(file.routes.count == 5)
        #expect(file.services[.orchestration]?.map(\.description) == ["http://orch-1:8001", "http://orch-2:8001"])
        #expect(file.services[.knowledgeGraph]?.first?.basePath == "/v2", "a trailing / on a base path is dropped (§2)")
        #expect(file.routes[1].methods == ["POST"])
        #expect(file.routes[3].access == .anyRole(["admin"]))
        #expect(file.routes[4].access == .public)
        #expect(file.routes[0].access == .authenticated)
        #expect(file.sha256Prefix.count == 12)
    }

    @Test("JSON is YAML")
    func json() throws {
        let file = try ConfigurationFile.parse(
            """
            {"services": {"billing": {"endpoints": ["http://billing:9000"]}},
             "routes": [{"path": "/api/v1/invoices*", "service": "billing", "rewrite": "/invoices*"}]}
            """)
        #expect(file.routes.map(\.pattern) == ["/api/v1/invoices*"])
        #expect(file.services[ServiceName("billing")] != nil)
    }

    @Test("the built-in configuration printed and read back is the built-in table")
    func builtInRoundTrip() throws {
        var upstreams: [ServiceName: UpstreamURL] = [:]
        for service in ServiceName.builtIn {
            upstreams[service] = UpstreamURL(host: "localhost", port: service.defaultPort)
        }
        let file = try ConfigurationFile.parse(ConfigurationFile.renderBuiltIn(endpoints: upstreams.mapValues { [$0] }))
        let builtIn = aegisRoutes.filter { $0.service != nil }
        #expect(file.routes.count == builtIn.count)
        for (read, original) in zip(file.routes, builtIn) {
            #expect(read.pattern == original.pattern)
            #expect(read.methods == original.methods)
            #expect(read.target == original.target)
            #expect(read.access == original.access)
        }
        #expect(Set(file.services.keys) == Set(ServiceName.builtIn))
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        let yaml: String
        let line: Int?
        let says: String
        var testDescription: String { says }
    }

    static let service = "services:\n  kg:\n    endpoints: [\"http://kg:8003\"]\n"

    /// Each case of SPEC §14, and the shapes a file can be wrong in.
    static let refusals: [Refusal] = [
        Refusal(yaml: service + "routes: []\ncolour: blue\n", line: 5, says: "unknown key \"colour\""),
        Refusal(
            yaml: service + "routes:\n  - {path: /a, service: kg, rewrite: /a, colour: blue}\n", line: 5,
            says: "unknown key \"colour\""),
        Refusal(
            yaml: "services:\n  kg:\n    endpoints: [\"http://kg\"]\n    weight: 2\nroutes: []\n", line: 4,
            says: "unknown key \"weight\""),
        Refusal(
            yaml: service + "routes:\n  - {path: /a, service: billing, rewrite: /a}\n", line: 5,
            says: "unknown service \"billing\""),
        Refusal(yaml: "services:\n  kg:\n    endpoints: []\nroutes: []\n", line: 3, says: "has no endpoints"),
        Refusal(yaml: "services:\n  kg: {}\nroutes: []\n", line: 2, says: "has no endpoints"),
        Refusal(
            yaml: "services:\n  kg:\n    endpoints: [\"kg:8003\"]\nroutes: []\n", line: 3,
            says: "bad endpoint URL \"kg:8003\""),
        Refusal(
            yaml: "services:\n  kg:\n    endpoints: [\"https://kg\"]\nroutes: []\n", line: 3, says: "bad endpoint URL"),
        Refusal(
            yaml: service
                + "routes:\n  - {path: /a, service: kg, rewrite: /a}\n  - {path: /a, service: kg, rewrite: /b, methods: [GET]}\n",
            line: 6, says: "overlapping methods"),
        Refusal(
            yaml: service
                + "routes:\n  - {path: /a, methods: [GET, POST], service: kg, rewrite: /a}\n  - {path: /a, methods: [POST], service: kg, rewrite: /b}\n",
            line: 6, says: "overlapping methods"),
        Refusal(
            yaml: service + "routes:\n  - {path: /a*, service: kg, rewrite: /a}\n", line: 5,
            says: "a wildcard path needs a wildcard rewrite"),
        Refusal(
            yaml: service + "routes:\n  - {path: /a, service: kg, rewrite: /a/*}\n", line: 5,
            says: "a wildcard rewrite needs a wildcard path"),
        Refusal(
            yaml: service + "routes:\n  - {path: \"/a/{id}\", service: kg, rewrite: \"/b/{other}\"}\n", line: 5,
            says: "uses {other}, which the path lacks"),
        Refusal(
            yaml: service + "routes:\n  - {path: /a, service: kg, rewrite: /a, public: true, roles: [admin]}\n",
            line: 5, says: "public and roles exclude each other"),
        Refusal(
            yaml: service + "routes:\n  - {path: /a, service: kg, rewrite: /a, roles: [\"bad role\"]}\n", line: 5,
            says: "role \"bad role\""),
        Refusal(
            yaml: service
                + "routes:\n  - {path: /a, service: kg, rewrite: /a, roles: [\"\(String(repeating: "r", count: 65))\"]}\n",
            line: 5, says: "is not 1-64"),
        Refusal(
            yaml: service + "routes:\n  - {path: a/b, service: kg, rewrite: /a}\n", line: 5,
            says: "path must start with /"),
        // Beyond the SPEC's list: shapes and values the matcher could not honour.
        Refusal(yaml: service + "routes:\n  - {path: /a, service: kg}\n", line: 5, says: "missing rewrite"),
        Refusal(
            yaml: service + "routes:\n  - {path: \"/a*/b\", service: kg, rewrite: \"/a*/b\"}\n", line: 5,
            says: "* may only end a path"),
        Refusal(
            yaml: service + "routes:\n  - {path: \"/a/{id}/*\", service: kg, rewrite: \"/a/*\"}\n", line: 5,
            says: "not both"),
        Refusal(
            yaml: service + "routes:\n  - {path: \"/a/x{id}\", service: kg, rewrite: /a}\n", line: 5,
            says: "whole segment"),
        Refusal(
            yaml: service + "routes:\n  - {path: /a b, service: kg, rewrite: /a}\n", line: 5, says: "without spaces"),
        Refusal(yaml: service + "routes:\n  - {path: /health, service: kg, rewrite: /h}\n", line: 5, says: "reserved"),
        Refusal(
            yaml: service + "routes:\n  - {path: /a, methods: [get], service: kg, rewrite: /a}\n", line: 5,
            says: "method \"get\""),
        Refusal(
            yaml: service + "routes:\n  - {path: /a, methods: [], service: kg, rewrite: /a}\n", line: 5,
            says: "non-empty list"),
        Refusal(
            yaml: service + "routes:\n  - {path: /a, public: maybe, service: kg, rewrite: /a}\n", line: 5,
            says: "public must be true or false"),
        Refusal(
            yaml: "services:\n  Knowledge Graph:\n    endpoints: [\"http://kg\"]\nroutes: []\n", line: 2,
            says: "service name"),
        Refusal(yaml: service + "routes:\n  path: /a\n", line: 5, says: "expected a list of routes"),
        Refusal(yaml: service, line: 1, says: "missing routes"),
        Refusal(yaml: "", line: nil, says: "empty"),
        Refusal(yaml: service + "routes:\n  - {path: [\n", line: 6, says: "not valid YAML"),
        Refusal(yaml: service + "services: {}\nroutes: []\n", line: nil, says: "appears twice"),
    ]

    @Test("refused with its line", arguments: refusals)
    func refused(_ refusal: Refusal) {
        do {
            _ = try ConfigurationFile.parse(refusal.yaml)
            Issue.record("accepted:\n\(refusal.yaml)")
        } catch {
            let match = error.problems.first { $0.message.contains(refusal.says) }
            #expect(match != nil, "\(error.problems)")
            if let line = refusal.line { #expect(match?.line == line, "\(error.problems)") }
            #expect(!error.description.contains("\n\n"))
        }
    }

    @Test("every problem of a file is reported, not just the first")
    func allProblems() {
        let yaml = """
            services:
              kg:
                endpoints: []
            routes:
              - {path: a, service: kg, rewrite: /a}
              - {path: /b*, service: nope, rewrite: /b}
            """
        #expect(throws: ConfigurationFile.Invalid.self) { try ConfigurationFile.parse(yaml) }
        do {
            _ = try ConfigurationFile.parse(yaml)
        } catch {
            #expect(error.problems.map(\.line) == [3, 5, 6, 6], "\(error.problems)")
        }
    }
}
