import NIOCore
import NIOHTTP1
import Testing

@testable import GatewayCore

/// The facts the pipeline reads, gathered from an HTTP/1.1 head's bytes (no `String` for the
/// fields it only forwards) and from NIO's field list (HTTP/2): the two must agree.
@Suite struct RequestHeadFactsTests {
    static func raw(_ text: String) throws -> RawRequestHead {
        var parser = RequestHeadParser()
        var buffer = ByteBuffer(string: text)
        return try #require(try parser.parse(&buffer))
    }

    @Test(
        "bytes and field list give the same facts",
        arguments: [
            "GET / HTTP/1.1\r\nHost: gw\r\n\r\n",
            "POST /a HTTP/1.1\r\nHost: gw\r\nContent-Length: 12\r\nExpect: 100-Continue\r\nOrigin: https://a\r\n"
                + "Origin: https://b\r\nX-Request-ID: r1\r\n\r\n",
            "GET / HTTP/1.1\r\nAuthorization: Bearer x\r\nauthorization: Bearer y\r\nCookie: a=1; aegis_token=t\r\n"
                + "cookie: b=2\r\nX-Forwarded-For: 10.0.0.1, 10.0.0.2\r\nx-forwarded-for: 10.0.0.3\r\n\r\n",
            "PUT /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: Keep-Alive, x-hop\r\n\r\n",
            "GET / HTTP/1.1\r\nConnection: keep-alive ,CLOSE\r\nHost: \u{E9}\r\n\r\n",
        ])
    func bytesAndListAgree(text: String) throws {
        let raw = try Self.raw(text)
        let same = RequestHeadFacts(raw).isSame(as: RequestHeadFacts(HTTPRequestHead(raw).headers))
        #expect(same)
    }

    @Test func fieldsThePipelineReads() throws {
        let facts = RequestHeadFacts(
            try Self.raw(
                "GET / HTTP/1.1\r\nAuthorization: Bearer x\r\nCookie: aegis_token=t\r\nX-Forwarded-For: 10.0.0.1\r\n"
                    + "x-forwarded-for: 10.0.0.3\r\nOrigin: https://a\r\nOrigin: https://b\r\n\r\n"))
        #expect(facts.authorization.single == "Bearer x")
        #expect(facts.cookies == ["aegis_token=t"])
        #expect(facts.forwardedFor == ["10.0.0.1", "10.0.0.3"])
        #expect(facts.origin == "https://a")
        #expect(TokenSource.extract(from: facts) == .token("x"))
    }

    @Test(
        "the connection stays open: HTTP/1.1 unless close, HTTP/1.0 only with keep-alive, HTTP/2 always",
        arguments: [
            ("", HTTPVersion.http1_1, true), ("close", .http1_1, false), ("Keep-Alive, Close", .http1_1, false),
            ("", .http1_0, false), ("keep-alive", .http1_0, true), ("x, keep-alive", .http1_0, true),
            ("close", .http2, true),
        ])
    func keepsConnection(connection: String, version: HTTPVersion, kept: Bool) {
        let headers = HTTPHeaders(connection.isEmpty ? [] : [("Connection", connection)])
        #expect(RequestHeadFacts(headers).keepsConnection(version) == kept)
    }
}
