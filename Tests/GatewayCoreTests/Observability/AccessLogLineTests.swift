import Foundation
import Testing

@testable import GatewayCore

/// The access-log line (SPEC §13) on values: every field, both formats, and the caches that let
/// consecutive lines share their route and client text.
@Suite struct AccessLogLineTests {
    static func request(
        path: Substring = "/api/v1/conversations/c1", status: Int = 200, route: Int? = 3, user: String? = "u1",
        client: String = "198.51.100.7", upstreamError: String? = nil, requestID: RequestID = "req-1"
    ) -> CompletedRequest {
        var audit = RequestAudit(clientAddress: IPAddress(parsing: client)!)
        audit.routeLabel = route
        audit.route =
            route == nil
            ? nil
            : Route(
                pattern: "/api/v1/conversations/*", methods: nil,
                target: .upstream(ServiceName("orchestration"), internalPath: "/conversations"), access: .authenticated)
        audit.identity = user.map { Claims(userID: $0, roles: [], expiresAt: 0) }
        return CompletedRequest(
            method: "GET", path: path, audit: audit, status: status, requestID: requestID, duration: 0.0125,
            upstreamTime: upstreamError == nil ? 0.01 : nil, upstreamError: upstreamError)
    }

    static func json(_ request: borrowing CompletedRequest, line: inout AccessLogLine) throws -> [String: Any] {
        var out: [UInt8] = []
        line.appendJSON(request, to: &out)
        #expect(out.last == UInt8(ascii: "\n"))
        #expect(out.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") })
        return try #require(JSONSerialization.jsonObject(with: Data(out)) as? [String: Any])
    }

    @Test func jsonCarriesEveryField() throws {
        var line = AccessLogLine()
        let object = try Self.json(Self.request(), line: &line)
        #expect(object["msg"] as? String == "access")
        #expect(object["method"] as? String == "GET")
        #expect(object["path"] as? String == "/api/v1/conversations/c1")
        #expect(object["route"] as? String == "/api/v1/conversations/*")
        #expect(object["service"] as? String == "orchestration")
        #expect(object["status"] as? Int == 200)
        #expect(object["duration_ms"] as? Double == 12.5)
        #expect(object["upstream_ms"] as? Double == 10)
        #expect(object["upstream_error"] is NSNull)
        #expect(object["user_id"] as? String == "u1")
        #expect(object["client"] as? String == "198.51.100.7")
        #expect(object["request_id"] as? String == "req-1")
        #expect((object["ts"] as? String)?.hasSuffix("Z") == true)
    }

    @Test func aLocalAnswerAndAnUpstreamFailure() throws {
        var line = AccessLogLine()
        let local = try Self.json(Self.request(status: 404, route: nil, user: nil), line: &line)
        #expect(local["route"] as? String == "unmatched")
        #expect(local["service"] as? String == "gateway")
        #expect(local["user_id"] is NSNull)
        let failed = try Self.json(Self.request(status: 502, upstreamError: "refused: connection refused"), line: &line)
        #expect(failed["upstream_error"] as? String == "refused: connection refused")
        #expect(failed["upstream_ms"] is NSNull)
    }

    @Test func cachedFragmentsFollowTheirKeys() throws {
        var line = AccessLogLine()
        _ = try Self.json(Self.request(), line: &line)
        let other = try Self.json(Self.request(route: nil, client: "2001:db8::1"), line: &line)
        #expect(other["route"] as? String == "unmatched")
        #expect(other["client"] as? String == "2001:db8::1")
        let again = try Self.json(Self.request(), line: &line)
        #expect(again["route"] as? String == "/api/v1/conversations/*")
        #expect(again["client"] as? String == "198.51.100.7")
    }

    @Test func longPathsAreCutAndQuotesEscaped() throws {
        var line = AccessLogLine()
        let long = Substring("/api/v1/conversations/" + String(repeating: "a", count: 3_000))
        let object = try Self.json(Self.request(path: long), line: &line)
        #expect((object["path"] as? String)?.utf8.count ?? 0 <= AccessLogLine.maxPathBytes + 3)
        let quoted = try Self.json(Self.request(path: #"/api/v1/conversations/"},{"x":1"#), line: &line)
        #expect(quoted["path"] as? String == #"/api/v1/conversations/"},{"x":1"#)
    }

    @Test func textLineIsOneLineWithTheSameFacts() {
        var line = AccessLogLine()
        var out: [UInt8] = []
        line.appendText(Self.request(path: "/api/v1/conversations/a b\n"), to: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.hasSuffix("\n"))
        #expect(text.dropLast().contains("\n") == false)
        #expect(text.contains(" access "))
        #expect(text.contains("status=200"))
        #expect(text.contains("request_id="))
        #expect(text.contains(#"\x0a"#))
    }
}
