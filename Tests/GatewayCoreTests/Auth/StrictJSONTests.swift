import Testing

@testable import GatewayCore

@Suite("StrictJSON")
struct StrictJSONTests {
    func parse(_ text: String) -> Result<JSONValue, JSONError> {
        StrictJSON.parse(Array(text.utf8))
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" { "a" : [1, -2.5e-1, 0, 1E+2, true, false, null, "x"], "b": {"c": {}} , "d": [] } "#)
            .get()
        #expect(
            value
                == .object([
                    JSONMember(
                        key: "a",
                        value: .array([
                            .number(1), .number(-0.25), .number(0), .number(100), .bool(true), .bool(false), .null,
                            .string("x"),
                        ])),
                    JSONMember(key: "b", value: .object([JSONMember(key: "c", value: .object([]))])),
                    JSONMember(key: "d", value: .array([])),
                ]))
        #expect(value["d"] == .array([]))
        #expect(value["missing"] == nil)
        #expect(try parse("-0").get() == .number(0))
        #expect(try parse("\t\r\n\"top\" ").get() == .string("top"))
    }

    @Test func decodesAllEscapes() throws {
        let value = try parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00\u0000""#).get()
        #expect(value == .string("\"\\/\u{8}\u{C}\n\r\tAé€\u{1F600}\u{0}"))
        // Raw multi-byte UTF-8 passes through, with and without escapes next to it.
        #expect(try parse("\"é€😀\"").get() == .string("é€😀"))
        #expect(try parse("\"é\\n😀\"").get() == .string("é\n😀"))
    }

    @Test(arguments: [
        "", " ", "{", "}", "[", "[1,]", "[,1]", "{,}", #"{"a":1,}"#, #"{"a" 1}"#, #"{a:1}"#, #"{'a':1}"#,
        "01", "-", "+1", ".5", "1.", "1.e5", "1e", "1e+", "0x10", "NaN", "Infinity", "-Infinity", "1e400", "--1",
        "tru", "True", "nul", "falsey", "[true false]", "\"unterminated", "\"bad \\x escape\"", "\"\\u12\"",
        "\"\\u12G4\"", #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\ud800x""#, "\"tab\there\"", "\"nl\nhere\"",
        "{} {}", "1 2", "[] x", "\"a\" \"b\"",
    ])
    func rejectsSyntaxErrors(_ text: String) {
        #expect(parse(text) == .failure(.syntax))
    }

    @Test func rejectsInvalidUTF8() {
        for bytes: [UInt8] in [
            [0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
            [0x22, 0x5C, 0x6E, 0xC0, 0xAF, 0x22],
        ] {
            #expect(StrictJSON.parse(bytes) == .failure(.syntax))
        }
    }

    @Test func rejectsDuplicateKeysAtAnyDepth() {
        #expect(parse(#"{"a":1,"a":1}"#) == .failure(.duplicateKey))
        #expect(parse(#"{"a":1,"\u0061":2}"#) == .failure(.duplicateKey))
        #expect(parse(#"{"x":[{"a":1,"b":2,"a":3}]}"#) == .failure(.duplicateKey))
        let many = (0..<100).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect((try? parse("{\(many)}").get()) != nil)
        #expect(parse("{\(many),\"k99\":0}") == .failure(.duplicateKey))
        #expect(parse("{\(many),\"k0\":0}") == .failure(.duplicateKey))
        // Same key in sibling objects is fine.
        #expect((try? parse(#"[{"a":1},{"a":2}]"#).get()) != nil)
    }

    @Test func capsNestingDepth() {
        let limit = StrictJSON.maxDepth
        #expect((try? parse(String(repeating: "[", count: limit) + String(repeating: "]", count: limit)).get()) != nil)
        #expect(
            parse(String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1))
                == .failure(.tooDeep))
        let objects = String(repeating: #"{"a":"#, count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
        #expect(parse(objects) == .failure(.tooDeep))
        // Deep enough to overflow a stack without the cap.
        #expect(parse(String(repeating: "[", count: 100_000)) == .failure(.tooDeep))
    }
}

@Suite("Base64URL")
struct Base64URLTests {
    func decode(_ text: String) -> [UInt8]? { Base64URL.decode(Substring(text).utf8) }

    @Test func roundTripsAgainstFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Base64URL.encode(bytes)
            #expect(encoded == JWTFixture.base64url(bytes))
            #expect(decode(encoded) == bytes)
        }
    }

    @Test func decodesKnownVectors() {
        #expect(decode("") == [])
        #expect(decode("Zg") == Array("f".utf8))
        #expect(decode("Zm8") == Array("fo".utf8))
        #expect(decode("Zm9v") == Array("foo".utf8))
        #expect(decode("-_-_") == [0xFB, 0xFF, 0xBF])
    }

    @Test(arguments: ["Zg==", "Zm8=", "Z", "Zm9vY", "+/+/", "Zm 9v", "Zm9v\n", "Zh", "Zm9", "Zg.", "Zm9vé"])
    func rejectsNonCanonicalOrForeignInput(_ text: String) {
        #expect(decode(text) == nil)
    }
}
