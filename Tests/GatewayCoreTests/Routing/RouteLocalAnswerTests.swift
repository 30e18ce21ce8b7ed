import Testing

@testable import GatewayCore

/// `Route.localAnswer` is `target` without its strings: the pipeline's per-request test.
@Suite struct RouteLocalAnswerTests {
    @Test("a forwarded route has none; /health and /ready are answered by the gateway")
    func localAnswers() {
        #expect(Route("GET /api/v1/agents", .orchestration, "/agents").localAnswer == nil)
        #expect(Route("GET /health", answeredBy: .health).localAnswer == .health)
        #expect(Route("GET /ready", answeredBy: .readiness).localAnswer == .readiness)
        for route in RoutingTable.gatewayRoutes {
            #expect(route.localAnswer != nil, "\(route.pattern)")
        }
    }
}
