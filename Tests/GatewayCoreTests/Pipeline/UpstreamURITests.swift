import Testing

@testable import GatewayCore

/// The upstream request target: the endpoint's base path, the route's internal path and the
/// client's query exactly as received, written in one pass.
@Suite struct UpstreamURITests {
    @Test(
        arguments: [
            ("", "/conversations", nil, "/conversations"),
            ("/v2", "/conversations/c1", "a=1&b=%20", "/v2/conversations/c1?a=1&b=%20"),
            ("/v2", "/x", "", "/v2/x?"),
            ("/a-base-path-longer-than-an-estimate", "/p", "q", "/a-base-path-longer-than-an-estimate/p?q"),
        ] as [(String, String, Substring?, String)])
    func baseThenPathThenQuery(base: String, path: String, query: Substring?, expected: String) {
        #expect(RequestPipeline.upstreamURI(base, path, query) == expected)
    }

    @Test func aTargetsQueryReachesTheUpstream() throws {
        guard case .success(let target) = RequestTarget.parse("/api/v1/conversations?page=2&x=%2F") else {
            Issue.record("target refused")
            return
        }
        #expect(
            RequestPipeline.upstreamURI("/base", "/conversations", target.query) == "/base/conversations?page=2&x=%2F")
    }
}
