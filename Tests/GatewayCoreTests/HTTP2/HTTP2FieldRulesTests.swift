import NIOHPACK
import Testing

@testable import GatewayCore

/// RFC 9113 §8.2–§8.3 on request and trailer blocks, the checks NIO made before (its switch is off
/// now: it checked the gateway's own responses too).
@Suite struct HTTP2FieldRulesTests {
    static let pseudo: [(String, String)] = [
        (":method", "GET"), (":scheme", "https"), (":path", "/api/v1/x"), (":authority", "gw.example"),
    ]

    static func request(_ fields: [(String, String)]) -> HTTP2FieldRules.Violation? {
        HTTP2FieldRules.requestViolation(HPACKHeaders(fields))
    }

    @Test("well-formed requests pass, CONNECT's own form included")
    func wellFormed() {
        #expect(Self.request(Self.pseudo) == nil)
        #expect(Self.request(Self.pseudo + [("accept", "*/*"), ("te", "trailers"), ("x-empty", "")]) == nil)
        // SP, HTAB and obs-text may be inside a regular value (RFC 9110 §5.5); UTF-8 in :path passes.
        #expect(Self.request(Self.pseudo + [("x-note", "a b\tc é")]) == nil)
        #expect(Self.request([(":method", "GET"), (":scheme", "https"), (":path", "/é")]) == nil)
        #expect(Self.request([(":method", "CONNECT"), (":authority", "gw.example:443")]) == nil)
        #expect(HTTP2FieldRules.trailersViolation(HPACKHeaders([("x-checksum", "abc")])) == nil)
    }

    @Test("names must be lower-case tokens, pseudo-fields' too")
    func names() {
        for name in ["X-Upper", "bad name", "bad:colon", "", "tab\t", "quote\"", "é"] {
            #expect(Self.request(Self.pseudo + [(name, "v")]) == .badName, "\(name)")
        }
        #expect(Self.request([(":Method", "GET")] + Self.pseudo.dropFirst()) == .badName)
        #expect(Self.request([(":", "GET")] + Self.pseudo) == .badName)
    }

    @Test("pseudo-fields: known ones only, once each, before the regular fields, the required set")
    func pseudoFields() {
        #expect(Self.request(Self.pseudo + [(":status", "200")]) == .badPseudo)
        #expect(Self.request(Self.pseudo + [(":protocol", "websocket")]) == .badPseudo)
        #expect(Self.request(Self.pseudo + [(":path", "/again")]) == .badPseudo)
        #expect(Self.request([("accept", "*/*")] + Self.pseudo) == .pseudoAfterRegular)
        #expect(Self.request(Array(Self.pseudo.dropFirst())) == .missingPseudo)
        #expect(Self.request([(":method", "GET"), (":path", "/")]) == .missingPseudo)
        #expect(Self.request([(":method", "GET"), (":scheme", "https"), (":path", "")]) == .missingPseudo)
        #expect(Self.request([(":method", "CONNECT"), (":authority", "h:1"), (":path", "/")]) == .missingPseudo)
        #expect(Self.request([(":method", "CONNECT")]) == .missingPseudo)
    }

    @Test("pseudo-field values: no control byte, SP or DEL (they become the request line)")
    func pseudoValues() {
        for path in ["/a b", "/a\r\nx: y", "/a\u{0}", "/a\u{7F}", "/a\t"] {
            #expect(
                Self.request([(":method", "GET"), (":scheme", "https"), (":path", path)]) == .badPseudoValue,
                "\(Array(path.utf8))")
        }
        #expect(Self.request([(":method", "GET X"), (":scheme", "https"), (":path", "/")]) == .badPseudoValue)
    }

    @Test("regular values: no NUL, CR or LF; no connection-specific field; TE only trailers")
    func regularFields() {
        for value in ["a\rb", "a\nb", "a\u{0}b", "v\r\nx-injected: 1"] {
            #expect(Self.request(Self.pseudo + [("x-note", value)]) == .badValue, "\(Array(value.utf8))")
            #expect(HTTP2FieldRules.trailersViolation(HPACKHeaders([("x-note", value)])) == .badValue)
        }
        for name in ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"] {
            #expect(Self.request(Self.pseudo + [(name, "x")]) == .connectionSpecific, "\(name)")
            #expect(HTTP2FieldRules.trailersViolation(HPACKHeaders([(name, "x")])) == .connectionSpecific)
        }
        #expect(Self.request(Self.pseudo + [("te", "gzip")]) == .badTE)
        #expect(Self.request(Self.pseudo + [("te", "trailers, gzip")]) == .badTE)
    }

    @Test("trailers carry no pseudo-field")
    func trailers() {
        #expect(HTTP2FieldRules.trailersViolation(HPACKHeaders([(":path", "/")])) == .badPseudo)
        #expect(HTTP2FieldRules.trailersViolation(HPACKHeaders([("X-Upper", "v")])) == .badName)
    }
}
