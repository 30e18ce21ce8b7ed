import NIOCore
import NIOHTTP1
import Testing

@testable import GatewayCore

/// The raw-byte request parser, rule by rule (RFC 9112 §2–§7, SPEC §10), and split at every byte.
@Suite struct RequestHeadParserTests {
    /// Parses `text` fed in one read; the head or the error.
    static func parse(_ text: String) -> Result<RawRequestHead, RequestParseError>? {
        var parser = RequestHeadParser()
        var buffer = ByteBuffer(string: text)
        do throws(RequestParseError) {
            return try parser.parse(&buffer).map { .success($0) }
        } catch {
            return .failure(error)
        }
    }

    static func head(_ text: String) throws -> RawRequestHead {
        guard case .success(let head) = parse(text) else {
            Issue.record("not parsed: \(String(describing: parse(text)))")
            throw RequestParseError.malformed("test")
        }
        return head
    }

    static func fields(_ head: RawRequestHead) -> [String] {
        head.fields.map {
            String(decoding: head.copy($0.name), as: UTF8.self) + "="
                + String(decoding: head.copy($0.value), as: UTF8.self)
        }
    }

    @Test func aSimpleHeadGivesItsPartsAsRanges() throws {
        let head = try Self.head("GET /api/v1/x?y=1 HTTP/1.1\r\nHost: gw\r\nX-A:  spaced value \t\r\n\r\n")
        #expect(head.method == .GET)
        #expect(String(decoding: head.copy(head.target), as: UTF8.self) == "/api/v1/x?y=1")
        #expect(head.version == .http1_1)
        #expect(Self.fields(head) == ["Host=gw", "X-A=spaced value"])
        #expect(head.framing == .none)
        // The head's bytes end with the last field line's CRLF.
        #expect(String(buffer: head.bytes).hasSuffix("spaced value \t\r\n"))
    }

    @Test func theBodyAndTheNextRequestStayInTheBuffer() throws {
        var parser = RequestHeadParser()
        var buffer = ByteBuffer(string: "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.0\r\n\r\n")
        let first = try #require(try parser.parse(&buffer))
        #expect(first.framing == .length(3))
        #expect(buffer.readString(length: 3) == "abc")
        let second = try #require(try parser.parse(&buffer))
        #expect(second.method == .GET && second.version == .http1_0)
        #expect(buffer.readableBytes == 0)
    }

    @Test("RFC 9112 §2.2: empty lines before the request line are ignored")
    func leadingEmptyLines() throws {
        #expect(try Self.head("\r\n\r\nGET / HTTP/1.1\r\n\r\n").method == .GET)
    }

    @Test(
        "refused with 400 (SPEC §10, RFC 9112)",
        arguments: [
            ("bare LF ending the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n"),
            ("bare LF ending a field line", "GET / HTTP/1.1\r\nHost: a\n\r\n"),
            ("bare LF ending the head", "GET / HTTP/1.1\r\nHost: a\r\n\n"),
            ("bare CR in a value", "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"),
            ("NUL in a value", "GET / HTTP/1.1\r\nX: a\u{0}b\r\n\r\n"),
            ("a control byte in a value", "GET / HTTP/1.1\r\nX: a\u{1}b\r\n\r\n"),
            ("obs-fold", "GET / HTTP/1.1\r\nX: a\r\n  b\r\n\r\n"),
            ("space before the colon", "GET / HTTP/1.1\r\nX : a\r\n\r\n"),
            ("tab before the colon", "GET / HTTP/1.1\r\nX\t: a\r\n\r\n"),
            ("no colon", "GET / HTTP/1.1\r\nX a\r\n\r\n"),
            ("empty name", "GET / HTTP/1.1\r\n: a\r\n\r\n"),
            ("unknown method", "FETCH / HTTP/1.1\r\n\r\n"),
            ("lower-case method", "get / HTTP/1.1\r\n\r\n"),
            ("a tab for a space", "GET\t/ HTTP/1.1\r\n\r\n"),
            ("no version", "GET /\r\n\r\n"),
            ("HTTP/2.0 on HTTP/1", "GET / HTTP/2.0\r\n\r\n"),
            ("HTTP/1.2", "GET / HTTP/1.2\r\n\r\n"),
            ("lower-case version", "GET / http/1.1\r\n\r\n"),
            ("a control byte in the target", "GET /a\u{1}b HTTP/1.1\r\n\r\n"),
            (
                "Content-Length and Transfer-Encoding",
                "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
            ),
            ("a coding other than chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
            ("two codings on one line", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            ("chunked twice", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ("a signed length", "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n"),
            ("a length list", "POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n"),
            ("an empty length", "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n"),
            ("a repeated length", "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n"),
            ("a length past Int", "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"),
        ])
    func refused(_ why: String, _ text: String) {
        guard case .failure(.malformed) = Self.parse(text) else {
            Issue.record("\(why): \(String(describing: Self.parse(text)))")
            return
        }
    }

    @Test("RFC 9112 §3: several spaces between the parts are taken, as llhttp took them")
    func severalSpaces() throws {
        let head = try Self.head("GET  /a   HTTP/1.1\r\n\r\n")
        #expect(String(decoding: head.copy(head.target), as: UTF8.self) == "/a")
    }

    @Test func framing() throws {
        #expect(try Self.head("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked \r\n\r\n").framing == .chunked)
        #expect(try Self.head("POST / HTTP/1.1\r\ncontent-length: 0012\r\n\r\n").framing == .length(12))
        #expect(try Self.head("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").framing == .none)
    }

    @Test("431: over 100 field lines, or a head over 64 KiB")
    func limits() {
        let hundred = (0..<100).map { "X-\($0): v\r\n" }.joined()
        #expect((try? Self.parse("GET / HTTP/1.1\r\n" + hundred + "\r\n")?.get()) != nil)
        #expect(Self.parse("GET / HTTP/1.1\r\n" + hundred + "X: v\r\n\r\n") == .failure(.headTooLarge))
        let big = "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 64 * 1024) + "\r\n\r\n"
        #expect(Self.parse(big) == .failure(.headTooLarge))
        // Still incomplete but already too large: refused without waiting for the rest.
        let unfinished = "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 64 * 1024 + 8)
        #expect(Self.parse(unfinished) == .failure(.headTooLarge))
    }

    @Test("split at every byte, the same head comes out; nothing before the last byte")
    func everySplit() throws {
        let text = "\r\nPATCH /api/v1/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nX-Empty:\r\n\r\n"
        let whole = try Self.head(text)
        let bytes = Array(text.utf8)
        for cut in 1..<bytes.count {
            var parser = RequestHeadParser()
            var buffer = ByteBuffer(bytes: bytes[..<cut])
            #expect(try parser.parse(&buffer) == nil, "head complete after \(cut) bytes")
            buffer.writeBytes(bytes[cut...])
            let head = try #require(try parser.parse(&buffer))
            #expect(head.method == whole.method && head.target == whole.target && head.framing == whole.framing)
            #expect(Self.fields(head) == Self.fields(whole))
            #expect(head.bytes == whole.bytes)
        }
    }

    @Test("a head dripped one byte per read is parsed once it is whole")
    func dripped() throws {
        var parser = RequestHeadParser()
        var buffer = ByteBuffer()
        var parsed: RawRequestHead?
        for byte in "GET / HTTP/1.1\r\nHost: gw\r\n\r\n".utf8 {
            #expect(parsed == nil)
            buffer.writeInteger(byte)
            parsed = try parser.parse(&buffer)
        }
        #expect(parsed.map(Self.fields) == ["Host=gw"])
    }

    @Test(
        "every method llhttp knows, and only those",
        arguments: [
            "DELETE", "GET", "HEAD", "POST", "PUT", "CONNECT", "OPTIONS", "TRACE", "COPY", "LOCK", "MKCOL", "MOVE",
            "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "BIND", "REBIND", "UNBIND", "ACL", "REPORT", "MKACTIVITY",
            "CHECKOUT", "MERGE", "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", "PATCH", "PURGE", "MKCALENDAR",
            "LINK", "UNLINK", "SOURCE", "QUERY",
        ])
    func knownMethods(_ method: String) throws {
        let parsed = try Self.head("\(method) / HTTP/1.1\r\n\r\n").method
        // NIO names M-SEARCH's case MSEARCH, as its llhttp decoder did.
        #expect(method == "M-SEARCH" ? parsed == .MSEARCH : parsed.rawValue == method)
    }
}
