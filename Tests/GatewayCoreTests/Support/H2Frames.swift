/// Raw HTTP/2 frames (RFC 9113 §4.1), for tests that send what a well-behaved client never would.
enum H2Frames {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    enum Kind: UInt8 {
        case data = 0
        case headers = 1
        case rstStream = 3
        case settings = 4
        case ping = 6
        case goAway = 7
        case windowUpdate = 8
        case continuation = 9
    }

    static let endStream: UInt8 = 0x1
    static let endHeaders: UInt8 = 0x4

    static func frame(_ kind: Kind, flags: UInt8 = 0, stream: UInt32 = 0, payload: [UInt8] = []) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), kind.rawValue, flags]
            + bytes(stream & 0x7FFF_FFFF) + payload
    }

    static func bytes(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// An HPACK block of `GET /path` (`:path` literal, not indexed), `:scheme http`,
    /// `:authority x`, and an `authorization` field when given.
    static func requestBlock(path: String = "/", authorization: String? = nil) -> [UInt8] {
        var block: [UInt8] = [0x82, 0x86]  // :method GET, :scheme http (static table)
        block += [0x04] + literal(path)  // :path, name index 4, without indexing
        block += [0x01] + literal("x")  // :authority, name index 1
        if let authorization { block += [0x0F, 0x08] + literal(authorization) }  // authorization: name index 23
        return block
    }

    /// Stream 1: `POST /api/v1/conversations` with `body` one byte per DATA frame, then an empty
    /// DATA frame that ends the stream, or a trailer block (HPACK) that does.
    static func postInOneByteFrames(_ body: [UInt8], authorization: String, trailers: [UInt8]? = nil) -> [UInt8] {
        // :method POST (static index 3) in place of GET.
        let block = [0x83] + requestBlock(path: "/api/v1/conversations", authorization: authorization).dropFirst()
        var bytes = frame(.headers, flags: endHeaders, stream: 1, payload: block)
        for byte in body { bytes += frame(.data, stream: 1, payload: [byte]) }
        guard let trailers else { return bytes + frame(.data, flags: endStream, stream: 1) }
        return bytes + frame(.headers, flags: endHeaders | endStream, stream: 1, payload: trailers)
    }

    /// A string literal without Huffman coding: its length as a 7-bit-prefix integer (RFC 7541
    /// §5.1), then its bytes.
    static func literal(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        guard bytes.count >= 127 else { return [UInt8(bytes.count)] + bytes }
        var length: [UInt8] = [127]
        var rest = bytes.count - 127
        while rest >= 128 {
            length.append(UInt8(rest % 128 + 128))
            rest /= 128
        }
        length.append(UInt8(rest))
        return length + bytes
    }

    /// The preface and an empty SETTINGS frame, or one that sets `settings` (identifier, value).
    static func start(settings: [(UInt16, UInt32)] = []) -> [UInt8] {
        let payload = settings.flatMap { [UInt8($0.0 >> 8), UInt8($0.0 & 0xFF)] + bytes($0.1) }
        return preface + frame(.settings, payload: payload)
    }

    struct Frame {
        var kind: UInt8
        var flags: UInt8
        var stream: UInt32
        var payload: [UInt8]
    }

    /// The frames in `bytes` (a server's output, which starts with frames), whole ones only.
    static func parse(_ bytes: [UInt8]) -> [Frame] {
        var frames: [Frame] = []
        var index = 0
        while index + 9 <= bytes.count {
            let length = Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
            guard index + 9 + length <= bytes.count else { break }
            let stream =
                UInt32(bytes[index + 5] & 0x7F) << 24 | UInt32(bytes[index + 6]) << 16 | UInt32(bytes[index + 7]) << 8
                | UInt32(bytes[index + 8])
            frames.append(
                Frame(
                    kind: bytes[index + 3], flags: bytes[index + 4], stream: stream,
                    payload: Array(bytes[(index + 9)..<(index + 9 + length)])))
            index += 9 + length
        }
        return frames
    }
}
