import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads back the HTTP/1.1 response bytes `ClientHandler` writes, as response parts: on an
/// HTTP/2 stream the same handler serves the request, and this turns its bytes into what
/// `HTTP2StreamCodec` sends as HEADERS and DATA frames. Field names come out lower-cased and
/// without the connection-specific fields HTTP/2 forbids (RFC 9113 §8.2.2), ready for HPACK.
///
/// Only the gateway's own output is parsed here (`HeadSerializer`, `ClientResponseHead`): one
/// status line, `Name: value` lines, then a body framed by Content-Length, chunked, or nothing.
/// Anything else is a bug, reported as `.malformed`, never trusted bytes from a peer.
struct HTTP1ResponseBytes {
    enum Part: Equatable {
        case head(status: Int, fields: [Field])
        case body(ByteBuffer)
        case end
    }

    struct Field: Equatable {
        var name: String
        var value: String
    }

    enum Failure: Error { case malformed }

    private enum State {
        case head
        case length(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case lastChunkEnd
    }

    private var state = State.head
    private var pending: ByteBuffer?
    /// The request's method: a response to HEAD has no body whatever its fields say.
    var requestMethod = HTTPMethod.GET
    /// The connection's last value of each common field whose value rarely changes.
    private let values: HTTP2FieldValues

    init(values: HTTP2FieldValues = HTTP2FieldValues()) {
        self.values = values
    }

    /// Feeds bytes in order; returns the parts they complete.
    mutating func feed(_ bytes: ByteBuffer) throws(Failure) -> [Part] {
        var buffer: ByteBuffer
        if var held = pending {
            var copy = bytes
            held.writeBuffer(&copy)
            buffer = held
            pending = nil
        } else {
            buffer = bytes
        }
        var parts: [Part] = []
        parts.reserveCapacity(3)
        loop: while buffer.readableBytes > 0 {
            switch state {
            case .head:
                guard let end = Self.headEnd(in: buffer) else { break loop }
                let headBytes = buffer.readSlice(length: end + 4)!
                let (status, fields, framing) = try Self.parseHead(headBytes, method: requestMethod, values: values)
                if status < 200 {
                    // An interim 100 Continue: HTTP/2 carries it as its own HEADERS; dropped here.
                    continue
                }
                parts.append(.head(status: status, fields: fields))
                switch framing {
                case .none:
                    parts.append(.end)
                case .length(let count) where count == 0:
                    parts.append(.end)
                case .length(let count):
                    state = .length(remaining: count)
                case .chunked:
                    state = .chunkSize
                }
            case .length(let remaining):
                let slice = buffer.readSlice(length: min(remaining, buffer.readableBytes))!
                parts.append(.body(slice))
                if remaining == slice.readableBytes {
                    parts.append(.end)
                    state = .head
                } else {
                    state = .length(remaining: remaining - slice.readableBytes)
                }
            case .chunkSize:
                guard let end = buffer.withUnsafeReadableBytes({ Self.lineEnd($0, from: 0) }) else { break loop }
                let line = buffer.readSlice(length: end)!
                buffer.moveReaderIndex(forwardBy: 2)
                guard let size = Int(String(buffer: line), radix: 16), size >= 0 else { throw .malformed }
                state = size == 0 ? .lastChunkEnd : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let slice = buffer.readSlice(length: min(remaining, buffer.readableBytes))!
                parts.append(.body(slice))
                state =
                    remaining == slice.readableBytes
                    ? .chunkDataEnd : .chunkData(remaining: remaining - slice.readableBytes)
            case .chunkDataEnd, .lastChunkEnd:
                guard buffer.readableBytes >= 2 else { break loop }
                guard buffer.readBytes(length: 2) == [13, 10] else { throw .malformed }
                if case .lastChunkEnd = state {
                    parts.append(.end)
                    state = .head
                } else {
                    state = .chunkSize
                }
            }
        }
        if buffer.readableBytes > 0 { pending = buffer }
        return parts
    }

    private enum Framing {
        case none
        case length(Int)
        case chunked
    }

    /// Where the head ends: the first CRLF followed by another (an empty line).
    private static func headEnd(in buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { raw in
            var from = 0
            while let end = lineEnd(raw, from: from) {
                if end + 3 < raw.count && raw[end + 2] == 0x0D && raw[end + 3] == 0x0A { return end }
                from = end + 2
            }
            return nil
        }
    }

    /// The head's status and fields, read from the bytes without splitting strings: a name or a
    /// value becomes a `String` once, as `HTTPHeaders` needs it.
    private static func parseHead(
        _ bytes: ByteBuffer, method: HTTPMethod, values: HTTP2FieldValues
    ) throws(Failure) -> (status: Int, fields: [Field], framing: Framing) {
        let parsed: (Int, [Field], Int?, Bool)? = bytes.withUnsafeReadableBytes { raw in
            // "HTTP/1.x NNN": the writer is ours, so the status code is always at 9..<12.
            guard raw.count >= 16, raw[8] == 0x20 else { return nil }
            var code = 0
            for index in 9..<12 {
                let digit = Int(raw[index]) - 0x30
                guard (0...9).contains(digit) else { return nil }
                code = code * 10 + digit
            }
            var fields: [Field] = []
            fields.reserveCapacity(16)
            var length: Int?
            var chunked = false
            guard var line = Self.lineEnd(raw, from: 12).map({ $0 + 2 }) else { return nil }
            while let end = Self.lineEnd(raw, from: line), end > line {
                guard let colon = ByteScan.index(of: UInt8(ascii: ":"), in: raw, from: line, to: end) else {
                    return nil
                }
                var valueStart = colon + 1
                while valueStart < end && raw[valueStart] == 0x20 { valueStart += 1 }
                let name = UnsafeRawBufferPointer(rebasing: raw[line..<colon])
                let value = UnsafeRawBufferPointer(rebasing: raw[valueStart..<end])
                if name.count == 17 && HeaderNames.equals(name, "transfer-encoding") {
                    chunked = true
                } else if !HeaderNames.isConnectionSpecific(name) {
                    if name.count == 14 && HeaderNames.equals(name, "content-length") {
                        length = Int(String(decoding: value, as: UTF8.self))
                    }
                    let (fieldName, slot) = Self.commonField(name)
                    fields.append(Field(name: fieldName, value: values.value(value, slot: slot)))
                }
                line = end + 2
            }
            return (code, fields, length, chunked)
        }
        guard let (code, fields, length, chunked) = parsed else { throw .malformed }
        var framing = Framing.none
        if !method.isHEAD && code >= 200 && code != 204 && code != 304 {
            if chunked {
                framing = .chunked
            } else if let length {
                framing = .length(length)
            }
        }
        return (code, fields, framing)
    }

    /// The name as HTTP/2 sends it: a common one as its literal, which costs no allocation and no
    /// reference counting (made from the bytes, a name cost ~390 instructions, a tenth of the
    /// read-back); any other lower-cased.
    static func fieldName(_ name: UnsafeRawBufferPointer) -> String { commonField(name).name }

    /// `fieldName`, and for a field whose value is nearly always the same (CORS, content-type,
    /// server, ...) its slot in `HTTP2FieldValues` (0: none).
    static func commonField(_ name: UnsafeRawBufferPointer) -> (name: String, slot: Int) {
        switch name.count {
        case 4:
            if HeaderNames.equals(name, "date") { return ("date", 0) }
            if HeaderNames.equals(name, "vary") { return ("vary", 3) }
            if HeaderNames.equals(name, "etag") { return ("etag", 0) }
        case 6:
            if HeaderNames.equals(name, "server") { return ("server", 2) }
        case 7:
            if HeaderNames.equals(name, "expires") { return ("expires", 0) }
        case 8:
            if HeaderNames.equals(name, "location") { return ("location", 0) }
        case 9:
            if HeaderNames.equals(name, "ratelimit") { return ("ratelimit", 0) }
        case 10:
            if HeaderNames.equals(name, "set-cookie") { return ("set-cookie", 0) }
        case 11:
            if HeaderNames.equals(name, "retry-after") { return ("retry-after", 0) }
        case 12:
            if HeaderNames.equals(name, "content-type") { return ("content-type", 1) }
            if HeaderNames.equals(name, "x-request-id") { return ("x-request-id", 0) }
        case 13:
            if HeaderNames.equals(name, "cache-control") { return ("cache-control", 4) }
            if HeaderNames.equals(name, "last-modified") { return ("last-modified", 0) }
            if HeaderNames.equals(name, "accept-ranges") { return ("accept-ranges", 12) }
        case 14:
            if HeaderNames.equals(name, "content-length") { return ("content-length", 0) }
        case 16:
            if HeaderNames.equals(name, "ratelimit-policy") { return ("ratelimit-policy", 5) }
            if HeaderNames.equals(name, "content-encoding") { return ("content-encoding", 13) }
            if HeaderNames.equals(name, "www-authenticate") { return ("www-authenticate", 0) }
        case 22:
            if HeaderNames.equals(name, "access-control-max-age") { return ("access-control-max-age", 9) }
        case 27:
            if HeaderNames.equals(name, "access-control-allow-origin") { return ("access-control-allow-origin", 6) }
        case 28:
            if HeaderNames.equals(name, "access-control-allow-methods") { return ("access-control-allow-methods", 7) }
            if HeaderNames.equals(name, "access-control-allow-headers") { return ("access-control-allow-headers", 8) }
        case 29:
            if HeaderNames.equals(name, "access-control-expose-headers") {
                return ("access-control-expose-headers", 10)
            }
        case 32:
            if HeaderNames.equals(name, "access-control-allow-credentials") {
                return ("access-control-allow-credentials", 11)
            }
        default:
            break
        }
        return (lowercased(name), 0)
    }

    /// The name in ASCII lower case, as HTTP/2 requires, written straight into the string (a
    /// name of up to 15 bytes is then stored inline): mapping into an array first cost an
    /// allocation or two per field.
    static func lowercased(_ name: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: name.count) { buffer in
            for index in 0..<name.count {
                buffer[index] = HeaderNames.asciiLowercased(name[index])
            }
            return name.count
        }
    }

    /// The index of the next CRLF at or after `start` (the head is ours: a CR only ends a line).
    private static func lineEnd(_ raw: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < raw.count, let cr = ByteScan.index(of: 0x0D, in: raw, from: start, to: raw.count) else {
            return nil
        }
        return cr + 1 < raw.count && raw[cr + 1] == 0x0A ? cr : nil
    }
}

/// The last value a connection's responses carried for each common field whose value rarely
/// changes: a response whose value is the same bytes reuses the `String` (CORS values run to 70
/// bytes; made anew, each cost an allocation and a UTF-8 check per response). One per HTTP/2
/// connection, on its event loop.
final class HTTP2FieldValues {
    private var last = [String?](repeating: nil, count: 14)

    /// `bytes` as a `String`: the slot's last one when the bytes are equal.
    func value(_ bytes: UnsafeRawBufferPointer, slot: Int) -> String {
        guard slot > 0 else { return String(decoding: bytes, as: UTF8.self) }
        if let cached = last[slot], cached.utf8.count == bytes.count,
            cached.utf8.withContiguousStorageIfAvailable({
                bytes.isEmpty || memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0
            }) == true
        {
            return cached
        }
        let made = String(decoding: bytes, as: UTF8.self)
        last[slot] = made
        return made
    }
}
