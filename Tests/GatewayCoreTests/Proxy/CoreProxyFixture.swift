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
