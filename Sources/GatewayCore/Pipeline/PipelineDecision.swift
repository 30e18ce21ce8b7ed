public import NIOHTTP1

/// What the pipeline decided at the request head: answer here, or forward.
public enum PipelineDecision: Sendable {
    case respond(LocalResponse)
    case forward(ForwardPlan)
}

/// A response the gateway makes itself: an error, OPTIONS, /health or /ready.
public struct LocalResponse: Sendable {
    public var status: HTTPResponseStatus
    /// JSON text; empty for OPTIONS.
    public var body: String
    public var headers: [(String, String)]
    /// Framing violations close the connection after the answer (SPEC §10).
    public var closeConnection: Bool
    public var error: GatewayError.Code?
    public var audit: RequestAudit

    /// A successful answer of the gateway's own (OPTIONS, /health, /ready).
    public static func answer(_ status: HTTPResponseStatus, body: String, audit: RequestAudit) -> Self {
        LocalResponse(status: status, body: body, headers: [], closeConnection: false, error: nil, audit: audit)
    }

    public static func error(_ error: GatewayError, requestID: RequestID, audit: RequestAudit, close: Bool = false)
        -> Self
    {
        LocalResponse(
            status: error.code.status, body: error.body(requestID: requestID), headers: error.headers,
            closeConnection: close, error: error.code, audit: audit)
    }
}

/// A request that passed every stage, with everything the forwarder needs.
///
/// Its fields are its own, not in a shared object: the plan moves (decision → exchange) and is
/// never copied whole, and a stage reading one field through the exchange then touches that field
/// alone (an object cost an allocation, and every read through it counted references twice).
public struct ForwardPlan: Sendable {
    public let match: RouteMatch
    /// The route's service and every endpoint of it, with their health.
    public let endpoints: ServiceEndpoints
    public let rateLimit: RateLimitDecision?
    /// Holds the identity too (`identity`).
    public let audit: RequestAudit
    public var service: ServiceName { endpoints.service }
    public var identity: Claims? { audit.identity }
    /// The endpoint this request goes to.
    public private(set) var upstream: UpstreamURL
    /// Base path + internal path + `?query`, ready for the upstream request line.
    public private(set) var upstreamURI: String

    init(
        match: RouteMatch, endpoints: ServiceEndpoints, upstream: UpstreamURL, upstreamURI: String,
        rateLimit: RateLimitDecision?, audit: RequestAudit
    ) {
        self.match = match
        self.endpoints = endpoints
        self.rateLimit = rateLimit
        self.audit = audit
        self.upstream = upstream
        self.upstreamURI = upstreamURI
    }

    /// Sends the request to `endpoint` instead (balancing, or a retry elsewhere).
    mutating func retarget(_ endpoint: UpstreamURL) {
        let pathAndQuery = upstreamURI.utf8.dropFirst(upstream.basePath.utf8.count)
        upstreamURI = endpoint.basePath + String(Substring(pathAndQuery))
        upstream = endpoint
    }
}

/// Facts about a request that logs and metrics need, whatever the outcome.
public struct RequestAudit: Sendable {
    /// The matched route's metrics label number (`RouteLabels`): the same for the same pattern
    /// and service in every routing table.
    public var routeLabel: Int?
    /// The matched route and the token's claims, as references: a copy of the audit (into the
    /// plan, into the log record) holds two references instead of three strings.
    public var route: Route?
    public var identity: Claims?
    public var clientAddress: IPAddress
    public var authFailure: AuthFailure?
    public var rateLimited = false

    public init(clientAddress: IPAddress) { self.clientAddress = clientAddress }

    public var routePattern: String? { route?.pattern }
    public var service: ServiceName? { route?.service }
    public var userID: String? { identity?.userID }
}
