public import NIOCore

/// Takes a request body off raw bytes by its framing (RFC 9112 §6–§7): a Content-Length's bytes,
/// or chunks. Body bytes come out as slices of the input, never copied; trailers are checked
/// and dropped (the gateway frames the upstream request itself and sends none).
public struct RequestBodyDecoder: Sendable {
    public enum Part: Sendable, Equatable {
        case body(ByteBuffer)
        case end
    }

    private enum State: Sendable {
        case length(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(lines: Int, bytes: Int)
        case ended
    }

    /// A chunk-size line (extensions included) or a trailer line longer than this is refused:
    /// otherwise a client could make the gateway buffer without bound.
    public static let maxLineBytes = 4096

    private var state: State

    public init(_ framing: RequestBodyFraming) {
        switch framing {
        case .none: state = .length(remaining: 0)
        case .length(let n): state = .length(remaining: n)
        case .chunked: state = .chunkSize
        }
    }

    /// The next part, or nil until more bytes arrive. `.end` comes once; after it, the rest of
    /// `buffer` is the next request.
    public mutating func next(_ buffer: inout ByteBuffer) throws(RequestParseError) -> Part? {
        while true {
            switch state {
            case .length(let remaining):
                if remaining == 0 {
                    state = .ended
                    return .end
                }
                guard let slice = buffer.readBodySlice(upTo: remaining) else { return nil }
                state = .length(remaining: remaining - slice.readableBytes)
                return .body(slice)
            case .chunkSize:
                guard let line = try Self.takeLine(&buffer) else { return nil }
                let size = try Self.chunkSize(line)
                state = size == 0 ? .trailers(lines: 0, bytes: 0) : .chunkData(remaining: size)
            case .chunkData(let remaining):
                guard let slice = buffer.readBodySlice(upTo: remaining) else { return nil }
                let left = remaining - slice.readableBytes
                state = left == 0 ? .chunkDataEnd : .chunkData(remaining: left)
                return .body(slice)
            case .chunkDataEnd:
                // §7.1: chunk-data is followed by CRLF, nothing else.
                guard buffer.readableBytes >= 2 else {
                    if buffer.readableBytes == 1 && buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) != 0x0D {
                        throw .malformed("bad chunk")
                    }
                    return nil
                }
                guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw .malformed("bad chunk") }
                state = .chunkSize
            case .trailers(let lines, let bytes):
                // §7.1.2: trailer fields are field lines, up to an empty line.
                guard let line = try Self.takeLine(&buffer) else { return nil }
                if line.readableBytes == 0 {
                    state = .ended
                    return .end
                }
                let total = bytes + line.readableBytes + 2
                guard lines < RequestHeadParser.maxFieldLines, total <= RequestHeadParser.maxHeadBytes else {
                    throw .headTooLarge
                }
                try Self.checkTrailer(line)
                state = .trailers(lines: lines + 1, bytes: total)
            case .ended:
                return nil
            }
        }
    }

    /// The next line without its CRLF, or nil until it arrived; a bare LF is refused.
    private static func takeLine(_ buffer: inout ByteBuffer) throws(RequestParseError) -> ByteBuffer? {
        let lf: Int? = buffer.withUnsafeReadableBytes { raw in
            ByteScan.index(of: 0x0A, in: raw, from: 0, to: min(raw.count, maxLineBytes + 2))
        }
        guard let lf else {
            if buffer.readableBytes > maxLineBytes + 1 { throw .malformed("chunk line too long") }
            return nil
        }
        guard lf > 0, buffer.getInteger(at: buffer.readerIndex + lf - 1, as: UInt8.self) == 0x0D else {
            throw .malformed("bare LF")
        }
        let line = buffer.readSlice(length: lf - 1)!
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// §7.1: chunk-size = 1*HEXDIG, then optional extensions (`;name[=value]`), checked for
    /// bytes a field value may hold and otherwise ignored.
    private static func chunkSize(_ line: ByteBuffer) throws(RequestParseError) -> Int {
        var overflow = false
        let size: Int? = line.withUnsafeReadableBytes { raw in
            var size = 0
            var i = 0
            while i < raw.count, let digit = hexValue(raw[i]) {
                guard size >> 59 == 0 else {
                    overflow = true
                    return nil
                }
                size = size << 4 | digit
                i += 1
            }
            guard i > 0, extensionsAreValid(raw, from: i) else { return nil }
            return size
        }
        // RFC 9112 §7.1: a size past what an Int holds is refused, never wrapped.
        guard let size else { throw .malformed(overflow ? "chunk size too large" : "bad chunk size") }
        return size
    }

    /// §7.1.1 as llhttp read it (the gateway's behaviour before this parser): `;name[=value]`
    /// repeated, no whitespace anywhere, a name of token bytes (possibly empty), a value of token
    /// bytes (possibly empty) or a quoted-string; a `;` must be followed by something.
    private static func extensionsAreValid(_ raw: UnsafeRawBufferPointer, from start: Int) -> Bool {
        var i = start
        func skipToken() { while i < raw.count && ByteScan.isTokenByte(raw[i]) { i += 1 } }
        if i == raw.count { return true }
        while i < raw.count {
            guard raw[i] == 0x3B, i + 1 < raw.count else { return false }
            i += 1
            skipToken()
            if i == raw.count { return true }
            if raw[i] == 0x3B { continue }
            guard raw[i] == 0x3D else { return false }
            i += 1
            if i < raw.count && raw[i] == 0x22 {
                guard quotedString(raw, &i) else { return false }
            } else {
                skipToken()
            }
        }
        return true
    }

    /// RFC 9110 §5.6.4: DQUOTE *( qdtext / quoted-pair ) DQUOTE, from `raw[i]` (a DQUOTE).
    private static func quotedString(_ raw: UnsafeRawBufferPointer, _ i: inout Int) -> Bool {
        i += 1
        while i < raw.count {
            let byte = raw[i]
            if byte == 0x22 {
                i += 1
                return true
            }
            if byte == 0x5C {
                guard i + 1 < raw.count, ByteScan.isFieldValueByte(raw[i + 1]) else { return false }
                i += 2
                continue
            }
            guard ByteScan.isFieldValueByte(byte) else { return false }
            i += 1
        }
        return false
    }

    private static func checkTrailer(_ line: ByteBuffer) throws(RequestParseError) {
        let valid = line.withUnsafeReadableBytes { raw in
            var colon = 0
            while colon < raw.count && ByteScan.isTokenByte(raw[colon]) { colon += 1 }
            guard colon > 0, colon < raw.count, raw[colon] == 0x3A else { return false }
            // RFC 9110 §6.5.1: framing fields have no place in trailers (llhttp refused them too).
            let name = UnsafeRawBufferPointer(rebasing: raw[..<colon])
            if HeaderNames.equals(name, "content-length") || HeaderNames.equals(name, "transfer-encoding") {
                return false
            }
            return ByteScan.isFieldValue(raw, (colon + 1)..<raw.count)
        }
        guard valid else { throw .malformed("malformed trailer field") }
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        default: nil
        }
    }
}
