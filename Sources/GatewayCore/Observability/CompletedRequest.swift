/// One finished request: the single record that both the access log and the metrics read.
/// Not copyable, so the log's writing closures borrow its strings instead of copying them.
struct CompletedRequest: ~Copyable {
    var method: String
    /// Path without query, as received.
    var path: Substring
    var audit: RequestAudit
    var status: Int
    var requestID: RequestID
    /// Seconds from the head's arrival to the response's end.
    var duration: Double
    /// Seconds from the upstream request to the upstream response head, when proxied.
    var upstreamTime: Double?
    /// Why the upstream exchange failed, when it did (`UpstreamFailure.cause`).
    var upstreamError: String? = nil
}

/// How an upstream exchange failed (metrics label `kind`).
enum UpstreamErrorKind: String, CaseIterable {
    case refused
    case reset
    case timeout
    /// A response the gateway cannot relay (bad framing, a 101, control bytes in a field).
    case invalidResponse = "invalid_response"
}
