import GatewayCore
import Testing

/// The matcher on values: most specific wins whatever the table's size and shape (SPEC §9, §14).
@Suite("Route matcher")
struct RouteMatcherTests {
    /// 500 routes of 100 services' shapes, plus a catch-all prefix and a top-level exact route.
    static let large: [Route] =
        (0..<100).flatMap { i -> [Route] in
            [
                Route("/api/v1/s\(i)*", .orchestration, "/s\(i)*"),
                Route("/api/v1/s\(i)/items/{id}", .orchestration, "/items/{id}"),
                Route("/api/v1/s\(i)/exact", .orchestration, "/exact"),
                Route("POST /api/v1/s\(i)/act", .orchestration, "/act"),
                Route("/api/v1/s\(i)/deep/*", .orchestration, "/deep/*"),
            ]
        } + [Route("/api/v1/*", .memory, "/all/*"), Route("/status", .memory, "/status")]

    static func matched(_ matcher: RouteMatcher, _ path: Substring, _ method: String = "GET") -> String {
        switch matcher.match(path: path, method: method) {
        case .matched(let m): "\(m.route.pattern) -> \(m.internalPath)"
        case .methodNotAllowed(let route, _): "405 \(route.pattern)"
        case .notFound: "404"
        }
    }

    @Test(
        "500 routes: each path finds its most specific route",
        arguments: [
            ("/api/v1/s7", "/api/v1/s7* -> /s7"),
            ("/api/v1/s7/", "/api/v1/s7* -> /s7/"),
            ("/api/v1/s7/other/x", "/api/v1/s7* -> /s7/other/x"),
            ("/api/v1/s7/items/42", "/api/v1/s7/items/{id} -> /items/42"),
            ("/api/v1/s7/items/42/more", "/api/v1/s7* -> /s7/items/42/more"),
            ("/api/v1/s7/exact", "/api/v1/s7/exact -> /exact"),
            ("/api/v1/s7/deep/a/b", "/api/v1/s7/deep/* -> /deep/a/b"),
            ("/api/v1/s7/deep", "/api/v1/s7/deep/* -> /deep"),
            ("/api/v1/s7X", "/api/v1/* -> /all/s7X"),
            ("/api/v1/s99/exact", "/api/v1/s99/exact -> /exact"),
            ("/api/v1/zzz/1", "/api/v1/* -> /all/zzz/1"),
            ("/api/v1", "/api/v1/* -> /all"),
            ("/status", "/status -> /status"),
            ("/statusX", "404"),
            ("/", "404"),
        ])
    func mostSpecific(path: String, expected: String) {
        #expect(Self.matched(RouteMatcher(Self.large), Substring(path)) == expected)
    }

    @Test("a method outside the route's list is a 405 on that route, not a fall-through")
    func methods() {
        let matcher = RouteMatcher(Self.large)
        #expect(Self.matched(matcher, "/api/v1/s3/act", "POST") == "/api/v1/s3/act -> /act")
        #expect(Self.matched(matcher, "/api/v1/s3/act", "GET") == "405 /api/v1/s3/act")
    }

    @Test("the built-in table matches the same with the grouping as by a plain scan")
    func builtInAgreesWithScan() {
        let matcher = RouteMatcher(aegisRoutes)
        let paths: [Substring] = [
            "/api/v1/compliance/assess/7", "/api/v1/compliance/assessments", "/api/v1/compliance/summary",
            "/api/v1/graph/context/managed/1", "/api/v1/graph/context/9", "/api/v1/graph/entities", "/health",
            "/api/v1/ingest/csv", "/api/v1/ingest/csv/x", "/api/v1/auth/token", "/api/v1/auth", "/api/v1/nope",
        ]
        let expected = [
            "/api/v1/compliance/assess* -> /compliance/assess/7", "/api/v1/compliance/* -> /compliance/assessments",
            "/api/v1/compliance/summary -> /compliance/summary",
            "/api/v1/graph/context/managed/{id} -> /context/assemble/managed/1",
            "/api/v1/graph/context/{well_api} -> /context/assemble/9", "/api/v1/graph/entities/* -> /entities",
            "/health -> /health", "/api/v1/ingest/csv -> /ingest/operator/csv", "/api/v1/ingest/* -> /ingest/csv/x",
            "/api/v1/auth/token -> /auth/token", "/api/v1/auth/* -> /auth", "404",
        ]
        #expect(paths.map { Self.matched(matcher, $0) } == expected)
    }
}
