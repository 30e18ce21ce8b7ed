import Foundation
import GatewayCore
import Testing

/// SPEC §9, row by row, through the real gateway to per-service upstreams.
@Suite struct RouteTableTests {
    static let rows: [RouteCase] = [
        RouteCase("/api/v1/conversations", .orchestration, "/conversations"),
        RouteCase("/api/v1/conversations/", .orchestration, "/conversations/"),
        RouteCase("/api/v1/conversations/9/messages?limit=5", .orchestration, "/conversations/9/messages?limit=5"),
        RouteCase("POST", "/api/v1/agents/a1/execute", .orchestration, "/execute"),
        RouteCase("POST", "/api/v1/agents/a1/execute?dry=1", .orchestration, "/execute?dry=1"),
        RouteCase("/api/v1/agents/a1/stream/c1", .orchestration, "/conversations/c1/stream"),
        RouteCase("/api/v1/agents/a1/stream/c1?from=3", .orchestration, "/conversations/c1/stream?from=3"),
        RouteCase("/api/v1/approvals", .approval, "/approvals"),
        RouteCase("POST", "/api/v1/approvals/5/approve", .approval, "/approvals/5/approve"),
        RouteCase("/api/v1/graph/context/managed/42", .knowledgeGraph, "/context/assemble/managed/42"),
        RouteCase("/api/v1/graph/context/42-123-45678", .knowledgeGraph, "/context/assemble/42-123-45678"),
        RouteCase("/api/v1/graph/context/42-123?depth=2", .knowledgeGraph, "/context/assemble/42-123?depth=2"),
        RouteCase("/api/v1/graph/entities/7", .knowledgeGraph, "/entities/7"),
        RouteCase("/api/v1/graph/entities", .knowledgeGraph, "/entities"),
        RouteCase("/api/v1/graph/entities/", .knowledgeGraph, "/entities/"),
        RouteCase("/api/v1/impact/x/y?z=1", .knowledgeGraph, "/impact/x/y?z=1"),
        RouteCase("/api/v1/admin/reindex", .knowledgeGraph, "/admin/reindex"),
        RouteCase("/api/v1/entity-types", .knowledgeGraph, "/entity-types", anonymous: true),
        RouteCase("/api/v1/entity-types/well?x=1", .knowledgeGraph, "/entity-types/well?x=1", anonymous: true),
        RouteCase("/api/v1/relationship-types/", .knowledgeGraph, "/relationship-types/", anonymous: true),
        RouteCase("/api/v1/relationship-rules/3", .knowledgeGraph, "/relationship-rules/3", anonymous: true),
        RouteCase("/api/v1/detection-rules", .knowledgeGraph, "/event-detection-rules"),
        RouteCase("/api/v1/detection-rules/5?on=1", .knowledgeGraph, "/event-detection-rules/5?on=1"),
        RouteCase("/api/v1/entities", .knowledgeGraph, "/managed-entities"),
        RouteCase("/api/v1/entities/", .knowledgeGraph, "/managed-entities/"),
        RouteCase("/api/v1/entities/42/x", .knowledgeGraph, "/managed-entities/42/x"),
        RouteCase("POST", "/api/v1/ingest/csv", .ingestion, "/ingest/operator/csv"),
        RouteCase("POST", "/api/v1/ingest/csv?dry=1", .ingestion, "/ingest/operator/csv?dry=1"),
        RouteCase("POST", "/api/v1/ingest/las", .ingestion, "/ingest/las"),
        RouteCase("POST", "/api/v1/ingest/csv/extra", .ingestion, "/ingest/csv/extra"),
        RouteCase("/api/v1/compliance/summary", .orchestration, "/compliance/summary"),
        RouteCase("/api/v1/compliance/matrix?y=2024", .orchestration, "/compliance/matrix?y=2024"),
        RouteCase("/api/v1/compliance/charts/trend", .orchestration, "/compliance/charts/trend"),
        RouteCase("/api/v1/compliance/charts", .orchestration, "/compliance/charts"),
        RouteCase("/api/v1/compliance/assess", .orchestration, "/compliance/assess"),
        RouteCase("/api/v1/compliance/assess/7", .orchestration, "/compliance/assess/7"),
        RouteCase("/api/v1/compliance/assessments", .compliance, "/compliance/assessments"),
        RouteCase("/api/v1/compliance/summary/x", .compliance, "/compliance/summary/x"),
        RouteCase("/api/v1/compliance/summaryX", .compliance, "/compliance/summaryX"),
        RouteCase("/api/v1/compliance/reports/1", .compliance, "/compliance/reports/1"),
        RouteCase("/api/v1/checklists/1", .orchestration, "/checklists/1"),
        RouteCase("/api/v1/rules", .orchestration, "/rules"),
        RouteCase("/api/v1/workspaces/w1/stream", .orchestration, "/workspaces/w1/stream"),
        RouteCase("/api/v1/events?since=1", .flaring, "/events?since=1"),
        RouteCase("/api/v1/flare-events/1", .flaring, "/flare-events/1"),
        RouteCase("/api/v1/repair-obligations", .flaring, "/repair-obligations"),
        RouteCase("/api/v1/authorizations/a", .flaring, "/authorizations/a"),
        RouteCase("/api/v1/alerts/a", .flaring, "/alerts/a"),
        RouteCase("/api/v1/flaring/x/y", .flaring, "/flaring/x/y"),
        RouteCase("POST", "/api/v1/auth/token", .auth, "/auth/token", anonymous: true),
        RouteCase("/api/v1/auth/me", .auth, "/auth/me"),
        RouteCase("/api/v1/auth", .auth, "/auth"),
    ]

    @Test(arguments: rows)
    func routeLandsOnItsServiceAndInternalPath(_ row: RouteCase) async throws {
        try await ServiceUpstreams.run { gateway, upstreams in
            let headers = row.anonymous ? [] : [CoreProxy.adminAuth]
            let body: [UInt8]? = row.method == "POST" ? Array("{}".utf8) : nil
            let response = try await gateway.fetch(row.method, row.target, headers: headers, body: body)
            #expect(response.status == 200, "\(response.rawHead)\(response.bodyString)")
            #expect(response.header("X-Test-Service") == row.service.rawValue, "\(response.rawHead)")
            let recorded = try await upstreams[row.service].waitForRequests(1)
            #expect(recorded.map(\.uri) == [row.internalPath])
            #expect(recorded.first?.method == row.method)
            #expect(upstreams.received.count == 1, "\(upstreams.received)")
        }
    }

    /// Every row again through a gateway started from the built-in table as `aegis-gateway config`
    /// prints it, loaded as CONFIG_FILE would be (SPEC §14: the same behaviour). One gateway for
    /// all rows: a hundred more gateways with eight upstreams each overload a sanitizer run.
    @Test func everyRowBehavesTheSameFromThePrintedFile() async throws {
        try await ServiceUpstreams.run(fromFile: true) { gateway, upstreams in
            #expect(gateway.configuration.file != nil)
            for (index, row) in Self.rows.enumerated() {
                let headers = row.anonymous ? [] : [CoreProxy.adminAuth]
                let body: [UInt8]? = row.method == "POST" ? Array("{}".utf8) : nil
                let response = try await gateway.fetch(row.method, row.target, headers: headers, body: body)
                #expect(response.status == 200, "\(row.target): \(response.rawHead)\(response.bodyString)")
                #expect(response.header("X-Test-Service") == row.service.rawValue, "\(row.target)")
                let recorded = upstreams[row.service].requests
                #expect(recorded.last?.uri == row.internalPath, "\(row.target)")
                #expect(recorded.last?.method == row.method, "\(row.target)")
                #expect(upstreams.received.count == index + 1, "\(row.target) reached more than one upstream")
            }
        }
    }

    @Test func queryStringIsForwardedByteForByte() async throws {
        try await ServiceUpstreams.run { gateway, upstreams in
            let response = try await gateway.fetch(
                "GET", "/api/v1/conversations?q=a%20b&z=%2F&x&e=%e2%82%AC&&p=+", headers: [CoreProxy.auth])
            #expect(response.status == 200)
            let recorded = try await upstreams[.orchestration].waitForRequests(1)
            #expect(recorded[0].uri == "/conversations?q=a%20b&z=%2F&x&e=%e2%82%AC&&p=+")
        }
    }

    @Test func emptyQueryIsKept() async throws {
        try await ServiceUpstreams.run { gateway, upstreams in
            let response = try await gateway.fetch("GET", "/api/v1/rules/1?", headers: [CoreProxy.auth])
            #expect(response.status == 200)
            let recorded = try await upstreams[.orchestration].waitForRequests(1)
            #expect(recorded[0].uri == "/rules/1?")
        }
    }

    @Test func pathBytesAreForwardedAsReceived() async throws {
        try await ServiceUpstreams.run { gateway, upstreams in
            let response = try await gateway.fetch(
                "GET", "/api/v1/entities/a%20b/%C3%A9;v=1/~x", headers: [CoreProxy.auth])
            #expect(response.status == 200)
            let recorded = try await upstreams[.knowledgeGraph].waitForRequests(1)
            #expect(recorded[0].uri == "/managed-entities/a%20b/%C3%A9;v=1/~x")
        }
    }
}
