import Foundation
import GatewayCore
import Testing

extension TestGateway {
    /// Access-log lines written so far, after a scrape has flushed every loop's buffer.
    ///
    /// The gateway finishes a request (and queues its log line) on the loop that answered it; a
    /// scrape runs a flush on every loop afterwards, so a line for any response already read by
    /// the test is in the capture once this returns.
    func flushedAccessLines() async -> [String] {
        _ = await observability.scrape()
        return accessLog.lines
    }

    /// The access-log lines that appeared since `before` lines were seen.
    func newAccessLines(after before: Int) async -> [String] {
        Array(await flushedAccessLines().dropFirst(before))
    }
}

/// One JSON access-log line as an object; fails the test when it is not exactly one JSON object.
func accessLogObject(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let data = Data(line.utf8)
    let parsed = try JSONSerialization.jsonObject(with: data)
    return try #require(parsed as? [String: Any], "not a JSON object: \(line)", sourceLocation: sourceLocation)
}

/// The access-log object whose request_id is `id` among `lines`.
func accessLogObject(withRequestID id: String, in lines: [String]) throws -> [String: Any] {
    let objects = try lines.map { try accessLogObject($0) }
    let matching = objects.filter { $0["request_id"] as? String == id }
    try #require(matching.count == 1, "expected one access line with request_id \(id), got \(matching.count): \(lines)")
    return matching[0]
}
