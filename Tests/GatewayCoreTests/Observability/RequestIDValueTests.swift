import Foundation
import Testing

@testable import GatewayCore

/// `RequestID` as a value: a minted id is a version 4 UUID when written, a client's id is kept as
/// it came, and the access log escapes what JSON needs escaped.
@Suite struct RequestIDValueTests {
    static func written(_ id: RequestID) -> String {
        String(estimate: 8) { id.write(into: &$0) }
    }

    @Test func mintedIdsAreVersion4UUIDs() throws {
        let generator = RequestIDGenerator()
        var seen = Set<String>()
        for _ in 0..<200 {
            let id = generator.next()
            let text = id.description
            #expect(
                try #/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/#.wholeMatch(in: text) != nil)
            #expect(id.utf8Count == text.utf8.count)
            #expect(Self.written(id) == text)
            #expect(id.isPlainText)
            seen.insert(text)
        }
        #expect(seen.count == 200)
    }

    @Test func aClientsIdIsKeptAsItCame() throws {
        let id = try #require(RequestIDGenerator.acceptable("client-id_1.2"))
        #expect(id.description == "client-id_1.2")
        #expect(Self.written(id) == "client-id_1.2")
        #expect(id.utf8Count == 13)
        #expect(RequestIDGenerator.acceptable("has space") == nil)
        #expect(RequestIDGenerator.acceptable(String(repeating: "a", count: 129)) == nil)
    }

    @Test(arguments: [#"a"b"#, #"back\slash"#, "plain"])
    func theAccessLogEscapesAClientsId(text: String) throws {
        let id = try #require(RequestIDGenerator.acceptable(text))
        #expect(id.isPlainText == !text.contains(where: { $0 == "\"" || $0 == "\\" }))
        var line = AccessLogLine()
        let object = try AccessLogLineTests.json(AccessLogLineTests.request(requestID: id), line: &line)
        #expect(object["request_id"] as? String == text)
    }

    @Test func aMintedIdIsLoggedAsItIsSent() throws {
        let id = RequestIDGenerator().next()
        var line = AccessLogLine()
        let object = try AccessLogLineTests.json(AccessLogLineTests.request(requestID: id), line: &line)
        #expect(object["request_id"] as? String == id.description)
        var text: [UInt8] = []
        line.appendText(AccessLogLineTests.request(requestID: id), to: &text)
        #expect(String(decoding: text, as: UTF8.self).contains(#"request_id="\#(id.description)""#))
        var escaped: [UInt8] = []
        line.appendText(AccessLogLineTests.request(requestID: RequestID(#"a"b"#)), to: &escaped)
        #expect(String(decoding: escaped, as: UTF8.self).contains(#"request_id="a\"b""#))
    }
}
