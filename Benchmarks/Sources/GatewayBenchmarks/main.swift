import Foundation
import GatewayCore
import NIOHTTP1

/// Runs `body` `iterations` times (after a warm-up) and prints ns per call.
func measure(_ name: String, iterations: Int = 200_000, _ body: (Int) -> Int) {
    var sink = 0
    for i in 0..<(iterations / 10) { sink &+= body(i) }
    let clock = ContinuousClock()
    let start = clock.now
    for i in 0..<iterations { sink &+= body(i) }
    let elapsed = clock.now - start
    let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    let label = name.padding(toLength: 44, withPad: " ", startingAt: 0)
    print(label + String(format: "%9.1f ns/op", ns / Double(iterations)) + (sink == 42 ? " " : ""))
}

if CommandLine.arguments.contains("flood") {
    floodLimiter()
    exit(0)
}

let secret = "bench-secret"
let now = 1_800_000_000.0
let minter = JWTMinter(secret: secret, issuer: "aegis-gateway")
let token = minter.mint(userID: "bench-user", roles: ["user"], ttlSeconds: 86_400, now: Int64(now))
let verifier = JWTVerifier(secret: secret, issuer: "aegis-gateway", leewaySeconds: 0)

measure("JWT verify (HS256, full)") { _ in
    if case .success(let c) = verifier.verify(Substring(token), now: now) { return c.roles.count }
    return 0
}

let cache = VerifiedTokenCache(capacity: 4096)
if case .success(let claims) = verifier.verify(Substring(token), now: now) { cache.insert(Substring(token), claims) }
measure("JWT verified-token cache hit", iterations: 2_000_000) { _ in
    cache.claims(for: Substring(token), now: now)?.roles.count ?? 0
}

let matcher = RouteMatcher(aegisRoutes)
let paths: [Substring] = [
    "/api/v1/conversations", "/api/v1/conversations/42/messages", "/api/v1/agents/a1/stream/c1",
    "/api/v1/compliance/assessments", "/api/v1/graph/context/managed/9", "/api/v1/nope",
]
measure("route match (mix of 6 paths)", iterations: 2_000_000) { i in
    if case .matched(let m) = matcher.match(path: paths[i % paths.count], method: "GET") { return m.routeIndex }
    return -1
}

// The same paths against a 500-route table (100 services of 5 routes, the built-in ones among
// them): matching scans the path's group, not the table.
let manyRoutes: [Route] =
    aegisRoutes
    + (0..<94).flatMap { i -> [Route] in
        [
            Route("/api/v1/s\(i)*", .orchestration, "/s\(i)*"),
            Route("/api/v1/s\(i)/items/{id}", .orchestration, "/items/{id}"),
            Route("/api/v1/s\(i)/exact", .orchestration, "/exact"),
            Route("POST /api/v1/s\(i)/act", .orchestration, "/act"),
            Route("/api/v1/s\(i)/deep/*", .orchestration, "/deep/*"),
        ]
    }
let largeMatcher = RouteMatcher(manyRoutes)
measure("route match, \(manyRoutes.count) routes (same 6 paths)", iterations: 2_000_000) { i in
    if case .matched(let m) = largeMatcher.match(path: paths[i % paths.count], method: "GET") { return m.routeIndex }
    return -1
}
measure("route match (mix of 6 paths), \(aegisRoutes.count) routes", iterations: 2_000_000) { i in
    if case .matched(let m) = matcher.match(path: paths[i % paths.count], method: "GET") { return m.routeIndex }
    return -1
}

measure("request-target hygiene", iterations: 2_000_000) { i in
    if case .success(let t) = RequestTarget.parse("/api/v1/conversations/42/messages?limit=10&cursor=abc") {
        return t.path.utf8.count
    }
    return 0
}

let limiter = RateLimiter(perMinute: 6_000_000_000, burst: 100_000_000, maxKeys: 100_000)
measure("rate limiter take (one user)", iterations: 2_000_000) { i in
    limiter.take(.user("bench-user"), now: Double(i) * 1e-6).allowed ? 1 : 0
}
measure("rate limiter take (1M distinct IPv4)", iterations: 1_000_000) { i in
    limiter.take(.ipv4(UInt32(truncatingIfNeeded: i &* 2_654_435_761)), now: Double(i) * 1e-6).allowed ? 1 : 0
}

var headers = HTTPHeaders()
headers.add(name: "Host", value: "127.0.0.1:18000")
headers.add(name: "Authorization", value: "Bearer " + token)
headers.add(name: "User-Agent", value: "wrk")
measure("token source (Bearer header)", iterations: 2_000_000) { _ in
    if case .token(let t) = TokenSource.extract(from: headers) { return t.utf8.count }
    return 0
}
