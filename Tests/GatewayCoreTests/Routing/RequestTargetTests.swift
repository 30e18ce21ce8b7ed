import GatewayCore
import Testing

/// SPEC §10's target rules on values: what splits into path and query, and what is refused.
@Suite("Request target")
struct RequestTargetTests {
    @Test(
        "path and query split at the first ?, bytes kept as received",
        arguments: [
            ("/api/v1/x", "/api/v1/x", nil),
            ("/api/v1/x?", "/api/v1/x", ""),
            ("/api/v1/x?a=1&b=%2F?c", "/api/v1/x", "a=1&b=%2F?c"),
            ("/a%20b/%C3%A9;v=1/~x", "/a%20b/%C3%A9;v=1/~x", nil),
            ("/a/..b/.c/...", "/a/..b/.c/...", nil),
            ("/", "/", nil),
        ])
    func split(target: String, path: String, query: String?) throws {
        let parsed = try RequestTarget.parse(target).get()
        #expect(parsed.path == Substring(path))
        #expect(parsed.query.map(String.init) == query)
    }

    @Test(
        "refused, with the reason of SPEC §10",
        arguments: [
            ("api/v1/x", HygieneViolation.notOriginForm), ("http://h/x", .notOriginForm), ("*", .notOriginForm),
            ("/x#frag", .notOriginForm), ("/x?q#f", .notOriginForm),
            ("/a b", .forbiddenByte), ("/a\u{7F}", .forbiddenByte), ("/é", .forbiddenByte), ("/x?a b", .forbiddenByte),
            ("/a%00", .controlCharacter), ("/a%0d%0A", .controlCharacter), ("/a%7f", .controlCharacter),
            ("/a%2Fb", .encodedSlash), ("/a%5cb", .encodedSlash), ("/a\\b", .backslash),
            ("/a/../b", .dotSegment), ("/a/./b", .dotSegment), ("/a/..", .dotSegment), ("/a/%2e%2E/b", .dotSegment),
            ("/a/.%2e?x", .dotSegment), ("/a%", .badPercentEncoding), ("/a%4", .badPercentEncoding),
            ("/a%zz", .badPercentEncoding),
        ])
    func refused(target: String, violation: HygieneViolation) {
        #expect(throws: violation) { try RequestTarget.parse(target).get() }
    }
}
