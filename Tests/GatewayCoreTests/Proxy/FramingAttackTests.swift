import Foundation
import GatewayCore
import Testing

/// SPEC §10 request-smuggling defences: 400 and the connection closed.
@Suite struct FramingAttackTests {
    static let auth = "\(CoreProxy.auth.0): \(CoreProxy.auth.1)"

    struct Attack: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var testDescription: String { name }
    }

    static func post(_ extra: [String], body: String = "") -> [UInt8] {
        CoreProxy.head(["POST /api/v1/conversations HTTP/1.1", "Host: gateway.test", auth] + extra, body: body)
    }

    static let attacks: [Attack] = [
        Attack(
            name: "CL and TE",
            bytes: post(["Content-Length: 5", "Transfer-Encoding: chunked"], body: "0\r\n\r\n")),
        Attack(
            name: "TE and CL", bytes: post(["Transfer-Encoding: chunked", "Content-Length: 5"], body: "0\r\n\r\n")),
        Attack(name: "TE gzip", bytes: post(["Transfer-Encoding: gzip"], body: "hello")),
        Attack(name: "TE gzip, chunked", bytes: post(["Transfer-Encoding: gzip, chunked"], body: "0\r\n\r\n")),
        Attack(name: "TE chunked twice", bytes: post(["Transfer-Encoding: chunked, chunked"], body: "0\r\n\r\n")),
        Attack(name: "TE identity", bytes: post(["Transfer-Encoding: identity"], body: "")),
        Attack(name: "CL non-digits", bytes: post(["Content-Length: 5x"], body: "hello")),
        Attack(name: "CL plus sign", bytes: post(["Content-Length: +5"], body: "hello")),
        Attack(name: "CL negative", bytes: post(["Content-Length: -1"], body: "")),
        Attack(name: "CL list", bytes: post(["Content-Length: 5, 5"], body: "hello")),
        Attack(name: "CL repeated same", bytes: post(["Content-Length: 5", "Content-Length: 5"], body: "hello")),
        Attack(name: "CL repeated different", bytes: post(["Content-Length: 5", "Content-Length: 6"], body: "hello!")),
        Attack(name: "obs-fold", bytes: post(["X-A: a", " folded", "Content-Length: 0"])),
        Attack(name: "obs-fold tab", bytes: post(["X-A: a", "\tfolded", "Content-Length: 0"])),
        Attack(name: "space before colon", bytes: post(["X-A : b", "Content-Length: 0"])),
        Attack(name: "space before colon on CL", bytes: post(["Content-Length : 5"], body: "hello")),
        Attack(name: "tab before colon", bytes: post(["X-A\t: b", "Content-Length: 0"])),
        Attack(name: "bare CR in value", bytes: post(["X-A: a\rb", "Content-Length: 0"])),
        Attack(
            name: "bare LF line end",
            bytes: Array(
                "POST /api/v1/conversations HTTP/1.1\r\nHost: gateway.test\r\n\(auth)\r\nX-A: a\nContent-Length: 0\r\n\r\n"
                    .utf8)),
        Attack(
            name: "bare LF request line",
            bytes: Array("GET /api/v1/conversations HTTP/1.1\nHost: gateway.test\r\n\(auth)\r\n\r\n".utf8)),
        Attack(
            name: "NUL in value",
            bytes: Array("POST /api/v1/conversations HTTP/1.1\r\nHost: gateway.test\r\n\(auth)\r\nX-A: a".utf8) + [0]
                + Array("b\r\nContent-Length: 0\r\n\r\n".utf8)),
        Attack(name: "bad chunk size", bytes: post(["Transfer-Encoding: chunked"], body: "zz\r\nhello\r\n0\r\n\r\n")),
        Attack(
            name: "chunk size overflow",
            bytes: post(["Transfer-Encoding: chunked"], body: "fffffffffffffffff1\r\nx\r\n0\r\n\r\n")),
        Attack(
            name: "chunk size with space",
            bytes: post(["Transfer-Encoding: chunked"], body: "5 5\r\nhello\r\n0\r\n\r\n")),
    ]

    @Test(arguments: attacks)
    func attackIs400AndClosed(_ attack: Attack) async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(attack.bytes)
            let response = try await client.readResponse()
            GatewayExpect.error(response, status: 400, code: "bad_request")
            #expect(await client.isClosed(within: .seconds(15)), "connection left open")
            await client.close()
            // A complete request never reached the upstream (for a bad chunk the head may have).
            #expect(upstream.requests.count == 0, "\(upstream.requests.map(\.uri))")
        }
    }

    /// The smuggled second request after a refused one is never answered or proxied.
    @Test func smuggledRequestAfterCLTEIsNotServed() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let smuggled = "GET /api/v1/approvals HTTP/1.1\r\nHost: gateway.test\r\n\(Self.auth)\r\n\r\n"
            let bytes = Self.post(
                ["Content-Length: \(5 + smuggled.utf8.count)", "Transfer-Encoding: chunked"],
                body: "0\r\n\r\n" + smuggled)
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send(bytes)
            let first = try await client.readResponse()
            #expect(first.status == 400)
            let rest = try await client.readUntilClose()
            #expect(
                !HTTPHeadParser.latin1(rest).contains("HTTP/1.1"), "second response: \(HTTPHeadParser.latin1(rest))")
            #expect(upstream.requests.count == 0)
        }
    }
}
