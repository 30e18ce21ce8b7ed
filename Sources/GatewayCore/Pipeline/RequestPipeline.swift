public import NIOHTTP1

/// The gateway's decisions at the request head, in SPEC §3 order:
/// hygiene → CORS (OPTIONS) → rate limiter → authentication → roles → route.
///
/// Synchronous and free of I/O: it runs on the event loop for every request, and tests call it
/// directly by the thousand.
public final class RequestPipeline: Sendable {
    public static let maxRequestLineBytes = 8 * 1024

    /// The routing the gateway started with; a reload hands each request the current one.
    public let routing: RoutingTable
    public let verifier: JWTVerifier
    public let limiter: RateLimiter
    public let clients: ClientAddressResolver
    public let readiness: Readiness

    /// - Parameter routing: nil for the built-in table over `configuration.upstreams`.
    public init(configuration: GatewayConfiguration, routing: RoutingTable? = nil, readiness: Readiness) {
        self.routing = routing ?? RoutingTable(builtInWith: configuration.endpoints)
        verifier = JWTVerifier(
            secret: configuration.jwtSecret, issuer: configuration.jwtIssuer,
            leewaySeconds: configuration.jwtLeewaySeconds)
        limiter = RateLimiter(
            perMinute: configuration.rateLimitPerMinute, burst: configuration.rateLimitBurst,
            maxKeys: configuration.rateLimitMaxKeys)
        clients = ClientAddressResolver(trusted: TrustedProxies(configuration.trustedProxies))
        self.readiness = readiness
    }

    /// Decides what to do with a request head.
    /// - Parameters:
    ///   - wallClock: Unix seconds, for token expiry.
    ///   - monotonic: seconds on a monotonic clock, for the limiter.
    public func decide(
        _ head: HTTPRequestHead, peer: IPAddress, requestID: RequestID, tokens: VerifiedTokenCache,
        wallClock: Double, monotonic: Double
    ) -> PipelineDecision {
        decide(
            head, facts: RequestHeadFacts(head.headers), peer: Peer(peer, trusted: clients.trusted),
            requestID: requestID,
            tokens: tokens, wallClock: wallClock, monotonic: monotonic)
    }

    /// - Parameter facts: what the fields say; the decision reads no other field.
    public func decide(
        _ head: HTTPRequestHead, facts: borrowing RequestHeadFacts, peer: Peer, requestID: RequestID,
        tokens: VerifiedTokenCache, wallClock: Double, monotonic: Double, routing current: RoutingTable? = nil
    ) -> PipelineDecision {
        decide(
            method: head.method, uri: head.uri, facts: facts, peer: peer, requestID: requestID, tokens: tokens,
            wallClock: wallClock, monotonic: monotonic, routing: current)
    }

    /// The decision on a head's request line and the facts of its fields, whichever protocol
    /// carried it.
    /// - Parameter routing: the table to route by; nil for the one the gateway started with.
    public func decide(
        method: HTTPMethod, uri: String, facts: borrowing RequestHeadFacts, peer: Peer, requestID: RequestID,
        tokens: VerifiedTokenCache, wallClock: Double, monotonic: Double, routing current: RoutingTable? = nil
    ) -> PipelineDecision {
        decide(
            method: method, uri: uri, facts: facts, peer: peer, requestID: requestID, tokens: tokens,
            wallClock: wallClock, monotonic: monotonic, routingBy: current ?? routing)
    }

    /// The decision, routed by `routing` (the gateway's handlers pass their loop's current table:
    /// as a plain parameter it is borrowed, where `current ?? self.routing` took a count).
    func decide(
        method: HTTPMethod, uri: String, facts: borrowing RequestHeadFacts, peer: Peer, requestID: RequestID,
        tokens: VerifiedTokenCache, wallClock: Double, monotonic: Double, routingBy routing: RoutingTable
    ) -> PipelineDecision {
        // X-Forwarded-For is read only from a trusted peer.
        let client =
            peer.isTrusted
            ? clients.resolve(trustedPeer: peer.address, forwardedFor: facts.forwardedFor)
            : peer.address
        var audit = RequestAudit(clientAddress: client)

        // Hygiene (SPEC §10).
        if uri.utf8.count > Self.maxRequestLineBytes {
            return Self.fail(requestID, audit, GatewayError(.uriTooLong, "request line longer than 8 KiB"), close: true)
        }
        if let violation = FramingRules.violation(in: facts) {
            return Self.fail(requestID, audit, GatewayError(.badRequest, violation.rawValue), close: true)
        }
        let target: RequestTarget
        switch RequestTarget.parse(uri) {
        case .success(let t): target = t
        case .failure(let violation): return Self.fail(requestID, audit, GatewayError(.badRequest, violation.rawValue))
        }
        // Read in place: binding the value would copy it.
        guard facts.host.count == 1, HostHeaderRule.isValid(facts.host.first!) else {
            return Self.fail(requestID, audit, GatewayError(.badRequest, HygieneViolation.badHost.rawValue))
        }
        // Cases by pattern: `==` compares raw-value strings (see `HTTPMethod.isHEAD`).
        switch method {
        case .TRACE, .CONNECT:
            return Self.fail(
                requestID, audit,
                GatewayError(
                    .methodNotAllowed, "\(method.rawValue) is not allowed",
                    headers: [("Allow", CORSPolicy.allowMethods)]))
        case .OPTIONS:
            // CORS preflight: answered before the limiter and auth, never proxied (SPEC §4).
            return .respond(.answer(.ok, body: "", audit: audit))
        default:
            break
        }

        let routed = routing.match(path: target.path, method: method.rawValue)
        // Who may use the matched route; an unmatched path needs a token too (SPEC §9: its 404
        // comes after authentication).
        var access = Route.Access.authenticated
        switch routed {
        case .matched(let m):
            access = m.route.access
            audit.routeLabel = routing.labelByRoute[m.routeIndex]
            audit.route = m.route
            switch m.route.localAnswer {
            case .health:
                return .respond(.answer(.ok, body: #"{"status":"ok"}"#, audit: audit))
            case .readiness:
                return .respond(
                    readiness.isDraining
                        ? .answer(.serviceUnavailable, body: #"{"status":"draining"}"#, audit: audit)
                        : .answer(.ok, body: #"{"status":"ready"}"#, audit: audit))
            case nil: break
            }
        case .methodNotAllowed(let route, let index):
            access = route.access
            audit.routeLabel = routing.labelByRoute[index]
            audit.route = route
        case .notFound: break
        }

        // Verify the token once; the limiter and auth share the result (SPEC §3).
        var identity: Claims? = nil
        var presented = false
        switch TokenSource.extract(from: facts) {
        case .none: break
        case .ambiguous:
            presented = true
            audit.authFailure = .ambiguous
        case .token(let token):
            presented = true
            if let cached = tokens.claims(for: token, now: wallClock) {
                identity = cached
            } else {
                switch verifier.verify(token, now: wallClock) {
                case .success(let claims):
                    tokens.insert(token, claims)
                    identity = claims
                case .failure(let reason):
                    audit.authFailure = reason
                }
            }
        }
        audit.identity = identity

        let key = identity.map { RateLimitKey.user($0.userID) } ?? RateLimitKey(client: client)
        let rate = limiter.take(key, now: monotonic)
        guard rate.allowed else {
            audit.rateLimited = true
            return Self.fail(
                requestID, audit,
                GatewayError(
                    .rateLimited, "too many requests",
                    headers: [("Retry-After", String(rate.retryAfterSeconds))]))
        }

        if access != .public {
            guard let identity else {
                let challenge = presented ? #"Bearer error="invalid_token""# : "Bearer"
                if !presented { audit.authFailure = .missing }
                return Self.fail(
                    requestID, audit,
                    GatewayError(
                        .unauthorized, presented ? "invalid token" : "authentication required",
                        headers: [("WWW-Authenticate", challenge)]))
            }
            if case .anyRole(let roles) = access, !identity.roles.contains(where: roles.contains) {
                return Self.fail(
                    requestID, audit,
                    GatewayError(.forbidden, "this route needs the role " + roles.joined(separator: " or ")))
            }
        }

        // Its last use: the match moves into the plan instead of being copied (four counts).
        switch consume routed {
        case .notFound:
            return Self.fail(requestID, audit, GatewayError(.notFound, "no route for this path"))
        case .methodNotAllowed(let route, _):
            let allow = (route.methods ?? []).joined(separator: ", ")
            return Self.fail(
                requestID, audit,
                GatewayError(.methodNotAllowed, "method not allowed on this route", headers: [("Allow", allow)]))
        case .matched(let m):
            guard let endpoints = routing.endpointsByRoute[m.routeIndex] else {
                return Self.fail(requestID, audit, GatewayError(.notFound, "no route for this path"))
            }
            // The first endpoint; a balanced service's forwarder picks again (SPEC §15).
            let upstream = endpoints.endpoints[0]
            return .forward(
                ForwardPlan(
                    match: m, endpoints: endpoints, upstream: upstream,
                    upstreamURI: Self.upstreamURI(upstream.basePath, m.internalPath, target.query),
                    rateLimit: rate, audit: audit))
        }
    }

    /// `base + internal path + ?query`, written once: `+` made a string per step.
    static func upstreamURI(_ base: String, _ path: String, _ query: Substring?) -> String {
        String(estimate: base.utf8.count + path.utf8.count + 1 + (query?.utf8.count ?? 0)) { writer in
            writer.put(base)
            writer.put(path)
            if let query {
                writer.put(UInt8(ascii: "?"))
                writer.put(query)
            }
        }
    }

    /// An error answer. Not a local function capturing `audit`: the capture kept `audit` from
    /// moving into the forward plan (a copy of its strings per request).
    private static func fail(
        _ requestID: RequestID, _ audit: RequestAudit, _ error: GatewayError, close: Bool = false
    ) -> PipelineDecision {
        .respond(.error(error, requestID: requestID, audit: audit, close: close))
    }
}
