import Foundation
import GatewayCore
import NIOCore
import Testing

/// Shared fixtures of the core-proxy tests (Proxy/, Routing/, Config/).
enum CoreProxy {
    /// A valid bearer header for an ordinary user.
    /// Minted once: every use in a test carries the same bytes.
    static let auth: (String, String) = TestGateway.bearer("u1", roles: ["user"])
    /// A valid bearer header that passes every role check.
    static var adminAuth: (String, String) { TestGateway.bearer("root", roles: ["admin", "power_user"]) }

    /// Starts an upstream and a gateway pointing every service at it, runs `body`, and
    /// tears both down whatever happens.
    static func run(
        retainBodyLimit: Int = 1 << 20,
        handler: @escaping TestUpstream.Handler = { _ in .json(#"{"ok":true}"#) },
        configure: (inout GatewayConfiguration) -> Void = { _ in },
        _ body: (TestGateway, TestUpstream) async throws -> Void
    ) async throws {
        try await TestGateway.withUpstream(
            retainBodyLimit: retainBodyLimit, handler: handler, configure: configure, body)
    }

    /// Sends `bytes` on a fresh connection and reads one response; the connection stays open.
    static func rawExchange(
        _ gateway: TestGateway, _ bytes: [UInt8], expectBody: Bool = true, timeout: Duration = .seconds(10)
    ) async throws -> (RawHTTPResponse, RawHTTPClient) {
        let client = try await RawHTTPClient.connect(port: gateway.port)
        do {
            try await client.send(bytes)
            let response = try await client.readResponse(timeout: timeout, expectBody: expectBody)
            return (response, client)
        } catch {
            await client.close()
            throw error
        }
    }

    /// Bytes of a request head written line by line (CRLF added), for malformed requests.
    static func head(_ lines: [String], body: String = "") -> [UInt8] {
        Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }

    /// Checks the SPEC §4 CORS headers every gateway response carries.
    static func expectCORS(_ response: RawHTTPResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.header("Access-Control-Allow-Origin") == "*", sourceLocation: sourceLocation)
        #expect(
            response.header("Access-Control-Allow-Methods") == "GET, POST, PUT, PATCH, DELETE, OPTIONS",
            sourceLocation: sourceLocation)
        #expect(
            response.header("Access-Control-Allow-Headers") == "Content-Type, Authorization",
            sourceLocation: sourceLocation)
        #expect(response.header("Access-Control-Max-Age") == "86400", sourceLocation: sourceLocation)
        let exposed = response.header("Access-Control-Expose-Headers") ?? ""
        #expect(exposed.lowercased().contains("x-request-id"), sourceLocation: sourceLocation)
    }

    /// Checks a SPEC §11 error: status, JSON body with the code, a message, and the same
    /// request id as the `X-Request-ID` response header; plus the CORS headers.
    static func expectError(
        _ response: RawHTTPResponse, status: Int, code: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, "head: \(response.rawHead)", sourceLocation: sourceLocation)
        #expect(
            response.header("Content-Type")?.lowercased().hasPrefix("application/json") == true,
            sourceLocation: sourceLocation)
        let json = response.json
        #expect(json?["error"] as? String == code, "body: \(response.bodyString)", sourceLocation: sourceLocation)
        #expect((json?["message"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        let requestID = json?["request_id"] as? String
        #expect(requestID?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(requestID == response.header("X-Request-ID"), sourceLocation: sourceLocation)
        expectCORS(response, sourceLocation: sourceLocation)
    }

    /// True when `text` is a UUID in its usual 8-4-4-4-12 hex form.
    static func isUUID(_ text: String?) -> Bool {
        guard let text, text.count == 36 else { return false }
        return UUID(uuidString: text) != nil
    }

    /// `size` bytes of the large-body pattern, as blocks ready to send.
    static func patternBlocks(size: Int) -> [[UInt8]] {
        var blocks: [[UInt8]] = []
        var offset = 0
        while offset < size {
            let length = min(LargeBodyPattern.blockSize, size - offset)
            blocks.append(Array(LargeBodyPattern.slice(offset: offset, length: length).readableBytesView))
            offset += length
        }
        return blocks
    }
}
