import NIOCore
import NIOHTTP1
import Testing

@testable import GatewayCore

/// The status line the gateway writes: the usual codes' reason phrases come from a table of its
/// own (no `String` per response), and must read exactly as NIO's.
@Suite struct StatusLineTests {
    @Test("every code from 100 to 599 is written as NIO names it, and its size is known up front")
    func everyCode() {
        for code in 100...599 {
            let status = HTTPResponseStatus(statusCode: code)
            for version in [HTTPVersion.http1_1, .http1_0] {
                let bytes = HeadSerializer.response(
                    version: version, status: status, headers: [], allocator: ByteBufferAllocator())
                let expected = "HTTP/1.\(version.minor) \(code) \(status.reasonPhrase)\r\n\r\n"
                #expect(String(buffer: bytes) == expected, "code \(code)")
                #expect(HeadSerializer.statusLineSize(status) + 2 == bytes.readableBytes, "code \(code)")
            }
        }
    }

    @Test("a code with a reason of its own keeps it")
    func customReason() {
        let status = HTTPResponseStatus(statusCode: 299, reasonPhrase: "Fine Indeed")
        let bytes = HeadSerializer.response(
            version: .http1_1, status: status, headers: [], allocator: ByteBufferAllocator())
        #expect(String(buffer: bytes) == "HTTP/1.1 299 Fine Indeed\r\n\r\n")
    }
}
