import Foundation
import GatewayCore
import Testing

/// SPEC §9 edges: segment boundaries, 404 and 405, base paths.
@Suite struct RouteBoundaryTests {
    @Test(arguments: [
        "/api/v1/entitiesX",
        "/api/v1/entities-x/1",
        "/api/v1/graph/context/managed/9/x",
        "/api/v1/graph/context",
        "/api/v1/agents/a1/stream",
        "/api/v1/agents/a1/stream/c1/x",
        "/api/v1/agents//stream/c1",
        "/api/v1/conversationsX",
        "/api/v1/ingestX/csv",
        "/api/v1/compliancex",
        "/api/v1/healthz",
        "/api/v1",
        "/api/v2/conversations",
        "/",
        "/health/x",
        "/API/v1/conversations",
    ])
    func unknownPathIs404AndNotProxied(target: String) async throws {
        try await ServiceUpstreams.run { gateway, upstreams in
            let response = try await gateway.fetch("GET", target, headers: [CoreProxy.adminAuth])
            GatewayExpect.error(response, status: 404, code: "not_found")
            #expect(upstreams.received.isEmpty, "\(upstreams.received)")
        }
    }

    @Test func unknownPathWithoutTokenIs401() async throws {
        try await ServiceUpstreams.run { gateway, upstreams in
            let response = try await gateway.fetch("GET", "/api/v1/entitiesX")
            GatewayExpect.error(response, status: 401, code: "unauthorized")
            #expect(upstreams.received.isEmpty)
        }
    }

    @Test(arguments: ["GET", "PUT", "DELETE", "PATCH"])
    func executeWithOtherMethodIs405AllowPost(method: String) async throws {
        try await ServiceUpstreams.run { gateway, upstreams in
            let body: [UInt8]? = method == "GET" || method == "DELETE" ? nil : Array("{}".utf8)
            let response = try await gateway.fetch(
                method, "/api/v1/agents/a1/execute", headers: [CoreProxy.auth], body: body)
            GatewayExpect.error(response, status: 405, code: "method_not_allowed")
            #expect(response.header("Allow") == "POST")
            #expect(upstreams.received.isEmpty)
        }
    }

    @Test func managedIsItselfAWellAPIWhenAlone() async throws {
        // `{well_api}` is one segment: `/graph/context/managed` is that row with well_api=managed.
        try await ServiceUpstreams.run { gateway, upstreams in
            let response = try await gateway.fetch("GET", "/api/v1/graph/context/managed", headers: [CoreProxy.auth])
            #expect(response.status == 200)
            let recorded = try await upstreams[.knowledgeGraph].waitForRequests(1)
            #expect(recorded[0].uri == "/context/assemble/managed")
        }
    }

    @Test(arguments: ["/v2", "/v2/"])
    func upstreamBasePathPrefixesInternalPaths(basePath: String) async throws {
        try await ServiceUpstreams.run(basePath: basePath) { gateway, upstreams in
            let a = try await gateway.fetch("GET", "/api/v1/conversations/9?x=1", headers: [CoreProxy.auth])
            #expect(a.status == 200)
            let b = try await gateway.fetch("GET", "/api/v1/graph/context/managed/4", headers: [CoreProxy.auth])
            #expect(b.status == 200)
            let c = try await gateway.fetch("POST", "/api/v1/ingest/csv", headers: [CoreProxy.auth], body: [1])
            #expect(c.status == 200)
            let d = try await gateway.fetch("GET", "/api/v1/conversations", headers: [CoreProxy.auth])
            #expect(d.status == 200)
            let orchestration = try await upstreams[.orchestration].waitForRequests(2)
            #expect(orchestration.map(\.uri) == ["/v2/conversations/9?x=1", "/v2/conversations"])
            #expect(try await upstreams[.knowledgeGraph].waitForRequests(1)[0].uri == "/v2/context/assemble/managed/4")
            #expect(try await upstreams[.ingestion].waitForRequests(1)[0].uri == "/v2/ingest/operator/csv")
        }
    }

    @Test func matcherRanksExactAndParameterBeforePrefix() {
        let matcher = RouteMatcher(aegisRoutes)
        func target(_ path: String, _ method: String = "GET") -> String? {
            guard case .matched(let match) = matcher.match(path: Substring(path), method: method),
                case .upstream(let service, _) = match.route.target
            else { return nil }
            return "\(service.rawValue) \(match.internalPath)"
        }
        #expect(target("/api/v1/ingest/csv") == "ingestion /ingest/operator/csv")
        #expect(target("/api/v1/ingest/csv2") == "ingestion /ingest/csv2")
        #expect(target("/api/v1/compliance/assessments") == "compliance /compliance/assessments")
        #expect(target("/api/v1/compliance/assess/7") == "orchestration /compliance/assess/7")
        #expect(target("/api/v1/graph/context/managed/9") == "knowledge_graph /context/assemble/managed/9")
        #expect(target("/api/v1/entitiesX") == nil)
        #expect(target("/api/v1/agents/a1/execute", "POST") == "orchestration /execute")
        if case .methodNotAllowed(let route, _) = matcher.match(path: "/api/v1/agents/a1/execute", method: "GET") {
            #expect(route.methods == ["POST"])
        } else {
            Issue.record("GET execute should be method-not-allowed")
        }
    }
}
