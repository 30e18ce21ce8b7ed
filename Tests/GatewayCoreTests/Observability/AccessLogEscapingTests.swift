import Foundation
import GatewayCore
import Testing

/// No client byte can break or forge an access-log line (SPEC §13): JSON lines stay one valid
/// object each, text lines quote with `\xNN`, long paths are cut to 1 KiB.
@Suite("Access log: escaping and length")
struct AccessLogEscapingTests {
    static let awkwardPaths: [String] = [
        #"/api/v1/conversations/a"b"#,
        #"/api/v1/conversations/"},{"msg":"forged","status":200"#,
        #"/api/v1/conversations/a\b"#,
        #"/api/v1/conversations/a\"},{\"x"#,
        "/api/v1/conversations/%0d%0a%7B%22msg%22:%22forged%22%7D",
        "/api/v1/conversations/%22%5c%0A",
        "/api/v1/conversations/{x}|^`<y>",
        "/api/v1/conversations/</script><script>",
        "/api/v1/conversations/'$(x)'",
    ]

    @Test("each awkward path gives exactly one line that parses as JSON and keeps the path", arguments: awkwardPaths)
    func jsonLine(path: String) async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await TestGateway.start(upstream: upstream.url)
        let response = try await gateway.fetch("GET", path, headers: [TestGateway.bearer(), ("X-Request-ID", "esc-1")])
        #expect([200, 400].contains(response.status), "status \(response.status)")
        let lines = await gateway.flushedAccessLines()
        #expect(lines.count == 1, "\(lines)")
        #expect(gateway.accessLog.text.hasSuffix("\n"))
        let line = try accessLogObject(try #require(lines.first))
        #expect(line["path"] as? String == path, "logged \(String(describing: line["path"]))")
        #expect(line["status"] as? Int == response.status)
        #expect(line["request_id"] as? String == "esc-1")
        #expect(line["msg"] as? String == "access")
        await gateway.shutdown()
        try await upstream.shutdown()
    }

    /// Raw bytes outside 0x21–0x7E: the HTTP parser itself refuses them (400). They are still
    /// requests the gateway answered, so each must leave exactly one well-formed line.
    static let rawBytePaths: [String] = [
        "/api/v1/conversations/\u{7f}",
        "/api/v1/conversations/caf\u{e9}",
        "/api/v1/conversations/line\u{2028}sep",
    ]

    @Test("a path with raw bytes outside ASCII is refused with 400 and leaves one JSON line", arguments: rawBytePaths)
    func rawBytesJSON(path: String) async throws {
        let gateway = try await TestGateway.start(upstream: nil)
        let response = try await gateway.fetch("GET", path, headers: [TestGateway.bearer()])
        #expect(response.status == 400)
        let lines = await gateway.flushedAccessLines()
        #expect(lines.count == 1, "a 400 the gateway sent left \(lines.count) access lines")
        for line in lines {
            let object = try accessLogObject(line)
            #expect(object["status"] as? Int == 400)
            #expect(object["request_id"] as? String == response.header("X-Request-ID"))
        }
        await gateway.shutdown()
    }

    @Test("a user id with quotes, backslashes and non-ASCII is escaped, not spliced")
    func userIDEscaped() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await TestGateway.start(upstream: upstream.url)
        let user = #"evil","status":999,"x":"\ü"#
        let token = TestTokens.valid(userID: user, secret: TestGateway.secret)
        let response = try await gateway.fetch(
            "GET", "/api/v1/conversations", headers: [("Authorization", "Bearer " + token)])
        #expect(response.status == 200)
        let lines = await gateway.flushedAccessLines()
        try #require(lines.count == 1)
        let line = try accessLogObject(lines[0])
        #expect(line["user_id"] as? String == user)
        #expect(line["status"] as? Int == 200)
        await gateway.shutdown()
        try await upstream.shutdown()
    }

    @Test("a path over 1 KiB is cut to 1 KiB")
    func longPathCut() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await TestGateway.start(upstream: upstream.url)
        let path = "/api/v1/conversations/" + String(repeating: "a", count: 3000)
        let response = try await gateway.fetch("GET", path + "?q=1", headers: [TestGateway.bearer()])
        #expect(response.status == 200)
        let lines = await gateway.flushedAccessLines()
        try #require(lines.count == 1)
        let logged = try #require(accessLogObject(lines[0])["path"] as? String)
        #expect(logged.utf8.count == 1024)
        #expect(path.hasPrefix(logged))
        #expect(lines[0].utf8.count < 2048, "line of \(lines[0].utf8.count) bytes")
        await gateway.shutdown()
        try await upstream.shutdown()
    }

    @Test(
        "refused long paths (400, 414) are logged cut to 1 KiB too", arguments: [(2000, "%00", 400), (9000, "", 414)])
    func refusedLongPath(length: Int, suffix: String, status: Int) async throws {
        let gateway = try await TestGateway.start(upstream: nil)
        let path = "/api/v1/conversations/" + String(repeating: "b", count: length) + suffix
        let response = try await gateway.fetch("GET", path, headers: [TestGateway.bearer()])
        #expect(response.status == status)
        let lines = await gateway.flushedAccessLines()
        try #require(lines.count == 1)
        let logged = try #require(accessLogObject(lines[0])["path"] as? String)
        #expect(logged.utf8.count == 1024)
        #expect(path.hasPrefix(logged))
        await gateway.shutdown()
    }
}

@Suite("Access log: text format")
struct AccessLogTextFormatTests {
    /// Every byte of a text line is printable ASCII.
    private static func printable(_ line: String) -> Bool {
        line.utf8.allSatisfy { (0x20...0x7E).contains($0) }
    }

    @Test("LOG_FORMAT=text gives one readable line with every field")
    func readableLine() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await TestGateway.start(upstream: upstream.url) { $0.logFormat = .text }
        _ = try await gateway.fetch(
            "POST", "/api/v1/approvals/5?secret=q",
            headers: [TestGateway.bearer("text-user"), ("X-Request-ID", "txt-1")],
            body: Array("{}".utf8))
        let lines = await gateway.flushedAccessLines()
        try #require(lines.count == 1, "\(lines)")
        let line = lines[0]
        #expect(line.contains(#" access "POST" "/api/v1/approvals/5" status=200 "#), "\(line)")
        #expect(line.contains(#"route="/api/v1/approvals*""#), "\(line)")
        #expect(line.contains("service=approval"), "\(line)")
        #expect(line.contains("duration_ms="), "\(line)")
        #expect(line.contains("upstream_ms="), "\(line)")
        #expect(line.contains(#"user="text-user""#), "\(line)")
        #expect(line.contains("client=127.0.0.1"), "\(line)")
        #expect(line.contains(#"request_id="txt-1""#), "\(line)")
        #expect(!line.contains("secret=q"))
        #expect(!line.hasPrefix("{"))
        #expect(Self.printable(line))
        await gateway.shutdown()
        try await upstream.shutdown()
    }

    @Test(
        "quotes and backslashes in a path are escaped, so a path cannot add a line or a field",
        arguments: [
            (#"/api/v1/conversations/a"b"#, #""/api/v1/conversations/a\"b""#),
            (#"/api/v1/conversations/a\b"#, #""/api/v1/conversations/a\\b""#),
            (#"/api/v1/conversations/%22%0d%0a"#, #""/api/v1/conversations/%22%0d%0a""#),
        ])
    func escapes(path: String, expected: String) async throws {
        let gateway = try await TestGateway.start(upstream: nil) { $0.logFormat = .text }
        _ = try await gateway.fetch("GET", path, headers: [TestGateway.bearer()])
        let lines = await gateway.flushedAccessLines()
        #expect(lines.count == 1, "\(lines)")
        let line = try #require(lines.first)
        #expect(line.contains(expected), "\(line)")
        #expect(Self.printable(line), "\(line)")
        await gateway.shutdown()
    }

    @Test(
        "a path with raw bytes outside ASCII is refused with 400 and leaves one printable text line",
        arguments: AccessLogEscapingTests.rawBytePaths)
    func rawBytesText(path: String) async throws {
        let gateway = try await TestGateway.start(upstream: nil) { $0.logFormat = .text }
        let response = try await gateway.fetch("GET", path, headers: [TestGateway.bearer()])
        #expect(response.status == 400)
        let lines = await gateway.flushedAccessLines()
        #expect(lines.count == 1, "a 400 the gateway sent left \(lines.count) access lines")
        for line in lines {
            #expect(line.contains("status=400"))
            #expect(Self.printable(line), "\(line)")
        }
        await gateway.shutdown()
    }

    @Test("a user id outside printable ASCII is escaped in text")
    func userEscaped() async throws {
        let gateway = try await TestGateway.start(upstream: nil) { $0.logFormat = .text }
        let token = TestTokens.valid(userID: #"ü"x"#, secret: TestGateway.secret)
        _ = try await gateway.fetch("GET", "/api/v1/none", headers: [("Authorization", "Bearer " + token)])
        let lines = await gateway.flushedAccessLines()
        try #require(lines.count == 1)
        #expect(lines[0].contains(#"user="\xc3\xbc\"x""#), "\(lines[0])")
        #expect(Self.printable(lines[0]))
        await gateway.shutdown()
    }
}
