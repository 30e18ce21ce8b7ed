import Foundation
import GatewayCore
import Testing

/// Upstream heads that broke earlier builds or could (SPEC §10: values are bytes, no byte
/// sequence may crash the gateway). Each hostile head is followed by an ordinary request on the
/// same gateway, which must still be answered.
@Suite struct HostileUpstreamHeadTests {
    /// Serves `raw` for `/conversations/hostile`, a JSON body for anything else.
    private static func exchange(_ raw: [UInt8]) async throws -> RawHTTPResponse {
        var response: RawHTTPResponse?
        // Heads of thousands of lines take seconds in a debug build on a loaded machine: neither
        // the response timeout nor the client's is what these tests are about.
        try await TestGateway.withUpstream(
            handler: { request in
                request.path == "/conversations/hostile" ? .raw(raw) : .json(#"{"ok":true}"#)
            },
            configure: { $0.upstreamResponseTimeoutMilliseconds = 30_000 }
        ) { gateway, _ in
            response = try await gateway.fetch(
                "GET", "/api/v1/conversations/hostile", headers: [CoreProxy.auth], timeout: .seconds(60))
            let after = try await gateway.fetch("GET", "/api/v1/conversations/fine", headers: [CoreProxy.auth])
            #expect(after.status == 200, "the gateway keeps serving")
            #expect(after.bodyString == #"{"ok":true}"#)
        }
        return try #require(response)
    }

    private static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    private static func latin1(_ bytes: [UInt8]) -> String { HTTPHeadParser.latin1(bytes) }

    @Test func latin1LocationKeepsItsBytesAndOnlyThePrefixChanges() async throws {
        // The case that crashed the release build: Latin-1 text echoed into a redirect.
        let tail = Array(repeating: UInt8(0xE9), count: 400)
        let response = try await Self.exchange(
            Self.bytes("HTTP/1.1 302 Found\r\nLocation: /conversations/?next=") + tail
                + Self.bytes("\r\nContent-Length: 0\r\n\r\n"))
        #expect(response.status == 302)
        #expect(response.header("Location") == "/api/v1/conversations/?next=" + Self.latin1(tail))
    }

    @Test func locationOutsideTheRouteKeepsEveryByte() async throws {
        let value = Self.bytes("/elsewhere/") + [0xE9, 0xFF, 0x80, 0x20, 0x41]
        let response = try await Self.exchange(
            Self.bytes("HTTP/1.1 302 Found\r\nLocation: ") + value + Self.bytes("\r\nContent-Length: 0\r\n\r\n"))
        #expect(response.header("Location") == Self.latin1(value))
    }

    @Test func truncatedUTF8PassesAsIs() async throws {
        // The first two bytes of `€` (E2 82 AC), in a plain field and in a rewritten Location.
        let cut: [UInt8] = [0xE2, 0x82]
        let response = try await Self.exchange(
            Self.bytes("HTTP/1.1 200 OK\r\nX-Note: price ") + cut + Self.bytes("\r\nContent-Length: 2\r\n\r\nok"))
        #expect(response.header("X-Note") == "price " + Self.latin1(cut))
        #expect(response.bodyString == "ok")
    }

    @Test func truncatedUTF8InARewrittenLocation() async throws {
        let cut: [UInt8] = [0xE2, 0x82]
        let response = try await Self.exchange(
            Self.bytes("HTTP/1.1 201 Created\r\nLocation: /conversations/") + cut
                + Self.bytes("\r\nContent-Length: 0\r\n\r\n"))
        #expect(response.status == 201)
        #expect(response.header("Location") == "/api/v1/conversations/" + Self.latin1(cut))
    }

    @Test func threeThousandLocationLinesAreAllRewritten() async throws {
        // Each line grows by the public prefix, a space and a CR: the client head is larger
        // than the upstream's by a third.
        let response = try await Self.exchange(
            Self.bytes(
                "HTTP/1.1 200 OK\r\n" + String(repeating: "Location:/conversations\n", count: 3000)
                    + "Content-Length: 2\r\n\r\nok"))
        #expect(response.status == 200)
        let locations = response.headers(named: "Location")
        #expect(locations.count == 3000)
        #expect(locations.allSatisfy { $0 == "/api/v1/conversations" })
        #expect(response.bodyString == "ok")
    }

    @Test func twoThousandFiveHundredObsTextFieldsPassByteForByte() async throws {
        let value: [UInt8] = [0xE9, 0xFF, 0x80, 0xA0]
        let line = Self.bytes("X-O:") + value + [0x0A]
        let raw =
            Self.bytes("HTTP/1.1 200 OK\r\n") + Array([[UInt8]](repeating: line, count: 2500).joined())
            + Self.bytes("Content-Length: 2\r\n\r\nok")
        let response = try await Self.exchange(raw)
        #expect(response.status == 200)
        let values = response.headers(named: "X-O")
        #expect(values.count == 2500)
        #expect(values.allSatisfy { $0 == Self.latin1(value) })
    }

    @Test func aFloodOfInterimResponsesEndsInTheFinalOne() async throws {
        let raw = Self.bytes(
            String(repeating: "HTTP/1.1 100 Continue\r\n\r\n", count: 20_000)
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        let response = try await Self.exchange(raw)
        #expect(response.status == 200)
        #expect(response.informational.isEmpty)
        #expect(response.bodyString == "ok")
    }

    @Test func aSeventyKilobyteReasonPhraseIsReplacedByTheGatewaysOwn() async throws {
        let response = try await Self.exchange(
            Self.bytes("HTTP/1.1 200 " + String(repeating: "a", count: 70_000) + "\r\nContent-Length: 2\r\n\r\nok"))
        #expect(response.status == 200)
        #expect(response.reason == "OK")
        #expect(response.bodyString == "ok")
    }

    @Test func obsTextInTheReasonPhraseIsAccepted() async throws {
        let response = try await Self.exchange(
            Self.bytes("HTTP/1.1 404 Nicht gefunden ") + [0xFC] + Self.bytes("\r\nContent-Length: 0\r\n\r\n"))
        #expect(response.status == 404)
    }

    @Test func switchingProtocolsIs502() async throws {
        let response = try await Self.exchange(
            Self.bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"))
        GatewayExpect.error(response, status: 502, code: "bad_gateway")
    }

    @Test(
        "NUL, CR or LF inside an upstream field is a 502",
        arguments: [[0x00], [0x0D], [0x0D, 0x20], [0x7F]] as [[UInt8]])
    func controlBytesInAValueAre502(bad: [UInt8]) async throws {
        let response = try await Self.exchange(
            Self.bytes("HTTP/1.1 200 OK\r\nX-Bad: a") + bad + Self.bytes("b\r\nContent-Length: 0\r\n\r\n"))
        GatewayExpect.error(response, status: 502, code: "bad_gateway")
    }
}
