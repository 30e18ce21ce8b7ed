import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2

@testable import GatewayCore

extension Fuzz {
    /// The gateway's checks of an HTTP/2 request block (`HTTP2FieldRules`, which replaced NIO's
    /// validation on the server) against NIO's own: an `NIOHTTP2Handler` with its validation on,
    /// sent the same block as a HEADERS frame. Both must accept or both refuse.
    ///
    /// Input: fields one after another, each a name length byte (mod 24), the name, a value
    /// length byte (mod 64) and the value; bytes as UTF-8 (invalid sequences become U+FFFD on
    /// both sides alike).
    public static func http2Fields(_ input: UnsafeRawBufferPointer) {
        let fields = http2FieldList(Array(input))
        let block = HPACKHeaders(fields)
        let ours = HTTP2FieldRules.requestViolation(block)
        let nio = nioAcceptsRequestBlock(block)
        require(
            (ours == nil) == nio,
            "gateway \(ours.map { "\($0)" } ?? "accepts"), NIO \(nio ? "accepts" : "refuses"): \(fields)")
    }

    static func http2FieldList(_ bytes: [UInt8]) -> [(String, String)] {
        var fields: [(String, String)] = []
        var at = 0
        func take(_ count: Int) -> String {
            let end = min(bytes.count, at + count)
            defer { at = end }
            return String(decoding: bytes[at..<end], as: UTF8.self)
        }
        while at < bytes.count && fields.count < 24 {
            let nameLength = Int(bytes[at] % 24)
            at += 1
            let name = take(nameLength)
            guard at < bytes.count else {
                fields.append((name, ""))
                break
            }
            let valueLength = Int(bytes[at] % 64)
            at += 1
            fields.append((name, take(valueLength)))
        }
        return fields
    }

    /// Whether NIO's server handler, validating header blocks (content-length checks off: the
    /// gateway leaves those to NIO), passes the block on as a request's HEADERS.
    static func nioAcceptsRequestBlock(_ block: HPACKHeaders) -> Bool {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        let handler = NIOHTTP2Handler(
            mode: .server, initialSettings: nioDefaultSettings, headerBlockValidation: .enabled,
            contentLengthValidation: .disabled)
        guard (try? channel.pipeline.syncOperations.addHandler(handler)) != nil else { return false }
        // Every field a literal with a literal name (RFC 7541 §6.2.2): NIO's encoder looks names
        // up in the static table case-insensitively, so ":aUthority" would arrive as ":authority".
        var payload = channel.allocator.buffer(capacity: 256)
        for (name, value, _) in block {
            payload.writeInteger(UInt8(0))
            for text in [name, value] {
                writeHPACKLength(text.utf8.count, to: &payload)
                payload.writeString(text)
            }
        }
        var bytes = channel.allocator.buffer(capacity: 64 + payload.readableBytes)
        bytes.writeString("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        bytes.writeBytes([0, 0, 0, 4, 0, 0, 0, 0, 0])  // empty SETTINGS
        let length = payload.readableBytes
        bytes.writeBytes([UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)])
        bytes.writeBytes([1, 0x05, 0, 0, 0, 1])  // HEADERS, END_STREAM | END_HEADERS, stream 1
        bytes.writeBuffer(&payload)
        do { try channel.writeInbound(bytes) } catch { return false }
        while let frame = try? channel.readInbound(as: HTTP2Frame.self) {
            if case .headers = frame.payload, frame.streamID == 1 { return true }
        }
        return false
    }

    /// An HPACK string length: a 7-bit-prefix integer, no Huffman flag (RFC 7541 §5.1, §5.2).
    static func writeHPACKLength(_ length: Int, to buffer: inout ByteBuffer) {
        guard length >= 127 else {
            buffer.writeInteger(UInt8(length))
            return
        }
        buffer.writeInteger(UInt8(127))
        var rest = length - 127
        while rest >= 128 {
            buffer.writeInteger(UInt8(rest % 128 + 128))
            rest /= 128
        }
        buffer.writeInteger(UInt8(rest))
    }
}
