import NIOCore
import NIOHTTP1

/// A response from an upstream that the gateway cannot relay safely: a 502 before its head
/// reached the client, an abrupt end after.
struct UpstreamResponseError: Error, CustomStringConvertible {
    var description: String
    /// The connection ended inside a response: a cut, not a malformed message.
    var isTruncation = false
    init(_ description: String) { self.description = description }

    static let truncated: UpstreamResponseError = {
        var error = UpstreamResponseError("connection closed inside a response")
        error.isTruncation = true
        return error
    }()
}

/// Parses upstream responses on raw bytes (RFC 9112): the head is validated and kept as bytes,
/// bodies pass as slices of the read buffer.
///
/// NIO's parser turned every field into two `String`s and an `HTTPHeaders` that the gateway
/// only copied back into bytes; replacing it took 6.5% off the instructions of a proxied request
/// (callgrind). Framing is decided as RFC 9112 §6.3 says, and anything
/// ambiguous (conflicting lengths, `chunked` not last, obs-fold, stray CR) is an error rather
/// than a guess, so a response can never be read with framing other than the upstream's.
///
/// A value that `UpstreamHandler` calls directly rather than a `ByteToMessageDecoder`: NIO's
/// `ByteToMessageHandler` runs unspecialised from another module and hands each part on
/// through an `NIOAny` cast, which cost more than the parsing (callgrind).
struct UpstreamResponseParser {
    /// Bigger heads are refused; NIO's default limit for a head.
    static let maxHeadBytes = 80 * 1024
    static let maxChunkLineBytes = 4 * 1024

    private enum State {
        case head
        case length(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        /// The response's body is complete: its `.end` is the next part.
        case endDue
        /// After a 101 (which the gateway refuses) nothing more is read as HTTP.
        case finished
    }

    private var state = State.head
    private var responseToHEAD = false
    /// How far the search for the end of the head got (a head can arrive in many reads).
    private var scanned = 0

    /// Call before writing each request: a response to HEAD has no body whatever its fields say.
    mutating func expectResponse(to method: HTTPMethod) {
        responseToHEAD = method.isHEAD
    }

    /// The next part `buffer` holds, or nil until more bytes arrive. Body parts are slices of
    /// `buffer`, not copies.
    mutating func next(_ buffer: inout ByteBuffer) throws -> UpstreamResponsePart? {
        while true {
            switch state {
            case .head:
                guard let parsed = try parseHead(&buffer) else { return nil }
                if let head = start(parsed) { return .head(head) }
            case .length(let remaining):
                guard let slice = buffer.readBodySlice(upTo: remaining) else { return nil }
                let left = remaining - slice.readableBytes
                state = left == 0 ? .endDue : .length(remaining: left)
                return .body(slice)
            case .chunkSize:
                guard let line = try takeLine(&buffer) else { return nil }
                let size = try Self.chunkSize(line)
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                guard let slice = buffer.readBodySlice(upTo: remaining) else { return nil }
                let left = remaining - slice.readableBytes
                state = left == 0 ? .chunkDataEnd : .chunkData(remaining: left)
                return .body(slice)
            case .chunkDataEnd:
                guard let line = try takeLine(&buffer) else { return nil }
                guard line.readableBytes == 0 else { throw UpstreamResponseError("chunk data longer than its size") }
                state = .chunkSize
            case .trailers:
                // Trailers are not forwarded (the gateway's chunked framing ends without them).
                guard let line = try takeLine(&buffer) else { return nil }
                if line.readableBytes == 0 { state = .endDue }
            case .untilClose:
                guard buffer.readableBytes > 0 else { return nil }
                return .body(buffer.readSlice(length: buffer.readableBytes)!)
            case .endDue:
                state = .head
                return .end
            case .finished:
                buffer.moveReaderIndex(to: buffer.writerIndex)
                return nil
            }
        }
    }

    /// The connection closed after `next` returned nil for `buffer`: the end of a response read
    /// until close, nothing between responses, an error inside one.
    mutating func connectionClosed(_ buffer: ByteBuffer) throws -> UpstreamResponsePart? {
        switch state {
        case .untilClose:
            state = .finished
            return .end
        case .head where buffer.readableBytes == 0:
            return nil  // closed between responses
        case .finished:
            return nil
        default:
            throw UpstreamResponseError.truncated
        }
    }

    /// The head to hand on, its body's state set; nil for an interim response, which is dropped
    /// (the final one follows).
    private mutating func start(_ parsed: ParsedHead) -> UpstreamResponseHead? {
        var head = parsed.head
        let code = head.code
        if code >= 100 && code < 200 && code != 101 { return nil }
        if code == 101 {
            state = .finished
        } else if responseToHEAD || code == 204 || code == 304 {
            state = .endDue
        } else if parsed.chunked {
            state = .chunkSize
        } else if let length = head.contentLength {
            state = length == 0 ? .endDue : .length(remaining: length)
        } else {
            state = .untilClose
            head.keepAlive = false
        }
        return head
    }

    // MARK: - Head

    private struct ParsedHead {
        var head: UpstreamResponseHead
        var chunked: Bool
    }

    /// The next head, or nil until all of it arrived.
    private mutating func parseHead(_ buffer: inout ByteBuffer) throws -> ParsedHead? {
        // Empty lines before a status line are ignored (RFC 9112 §2.2).
        while scanned == 0, let byte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
            byte == 0x0D || byte == 0x0A
        {
            buffer.moveReaderIndex(forwardBy: 1)
        }
        let headEnd: Int? = buffer.withUnsafeReadableBytes { raw in
            // The head ends at an LF that follows an LF, optionally with a CR between.
            var from = max(scanned, 1)
            while let i = ByteScan.index(of: 0x0A, in: raw, from: from, to: raw.count) {
                if raw[i - 1] == 0x0A { return i + 1 }
                if raw[i - 1] == 0x0D && i >= 2 && raw[i - 2] == 0x0A { return i + 1 }
                from = i + 1
            }
            // Zero while nothing but skipped empty lines arrived, so they go on being skipped.
            scanned = max(raw.count - 2, 0)
            return nil
        }
        guard let headEnd else {
            if buffer.readableBytes > Self.maxHeadBytes { throw UpstreamResponseError("response head too large") }
            return nil
        }
        scanned = 0
        guard headEnd <= Self.maxHeadBytes else { throw UpstreamResponseError("response head too large") }
        let bytes = buffer.readSlice(length: headEnd)!
        return try bytes.withUnsafeReadableBytes { raw in try Self.parse(head: raw, bytes: bytes) }
    }

    private static func parse(head raw: UnsafeRawBufferPointer, bytes: ByteBuffer) throws -> ParsedHead {
        // Status line: HTTP/1.x SP 3DIGIT [SP reason]. `parseHead` cut `raw` after an LF that
        // follows another LF, so an LF exists, `raw.count >= 2`, and `fieldsStart <= fieldsEnd`.
        let lineEnd = ByteScan.index(of: 0x0A, in: raw, from: 0, to: raw.count)!
        let statusEnd = lineEnd > 0 && raw[lineEnd - 1] == 0x0D ? lineEnd - 1 : lineEnd
        guard statusEnd >= 12,
            raw[0] == 0x48, raw[1] == 0x54, raw[2] == 0x54, raw[3] == 0x50, raw[4] == 0x2F, raw[5] == 0x31,
            raw[6] == 0x2E, raw[7] == 0x30 || raw[7] == 0x31, raw[8] == 0x20,
            isDigit(raw[9]), isDigit(raw[10]), isDigit(raw[11]), statusEnd == 12 || raw[12] == 0x20
        else { throw UpstreamResponseError("malformed status line") }
        guard ByteScan.isFieldValue(raw, 12..<statusEnd) else { throw UpstreamResponseError("malformed status line") }
        let code = Int(raw[9] - 0x30) * 100 + Int(raw[10] - 0x30) * 10 + Int(raw[11] - 0x30)
        guard code >= 100 else { throw UpstreamResponseError("malformed status line") }
        let isHTTP10 = raw[7] == 0x30

        // Field lines, up to the blank line.
        let fieldsStart = lineEnd + 1
        let blankLength = raw[raw.count - 2] == 0x0D ? 2 : 1
        let fieldsEnd = raw.count - blankLength
        var contentLength: Int?
        var chunked = false
        var close = false
        var keepAliveToken = false
        var named: [[UInt8]] = []
        var locations = 0
        let fieldBytes = bytes.getSlice(at: bytes.readerIndex + fieldsStart, length: fieldsEnd - fieldsStart)!
        let fields = try UpstreamFieldLines(validating: fieldBytes) { name, value in
            switch name.count {
            case 14 where HeaderNames.equals(name, "content-length"):
                let length = try parseLength(value)
                guard contentLength == nil || contentLength == length else {
                    throw UpstreamResponseError("conflicting Content-Length")
                }
                contentLength = length
            case 17 where HeaderNames.equals(name, "transfer-encoding"):
                try ByteScan.forEachListMember(value) { token in
                    // Only `chunked`, once: the gateway decodes no other coding, and Transfer-Encoding
                    // is hop-by-hop, so a body in another coding could not reach the client as sent
                    // (nginx answers 502 too). SPEC §10: a head the gateway cannot frame is a 502.
                    guard !chunked, HeaderNames.equals(token, "chunked") else {
                        throw UpstreamResponseError("unsupported transfer coding")
                    }
                    chunked = true
                }
            case 8 where HeaderNames.equals(name, "location"):
                locations += 1
            case 10 where HeaderNames.equals(name, "connection"):
                ByteScan.forEachListMember(value) { token in
                    if HeaderNames.equals(token, "close") {
                        close = true
                    } else if HeaderNames.equals(token, "keep-alive") {
                        keepAliveToken = true
                    } else {
                        named.append(token.map(HeaderNames.asciiLowercased))
                    }
                }
            default:
                break
            }
        }
        return ParsedHead(
            head: UpstreamResponseHead(
                code: code, isHTTP10: isHTTP10,
                keepAlive: !close && (!isHTTP10 || keepAliveToken),
                contentLength: chunked ? nil : contentLength, fields: fields, locationLines: locations,
                connectionNamed: named),
            chunked: chunked)
    }

    // MARK: - Chunked framing

    /// The next line without its line end, or nil until it arrived.
    private func takeLine(_ buffer: inout ByteBuffer) throws -> ByteBuffer? {
        let lf: Int? = buffer.withUnsafeReadableBytes { raw in ByteScan.index(of: 0x0A, in: raw, from: 0, to: raw.count)
        }
        guard let lf else {
            if buffer.readableBytes > Self.maxChunkLineBytes { throw UpstreamResponseError("chunk line too long") }
            return nil
        }
        var line = buffer.readSlice(length: lf + 1)!
        line.moveWriterIndex(to: line.writerIndex - 1)
        if line.readableBytes > 0, line.getInteger(at: line.writerIndex - 1, as: UInt8.self) == 0x0D {
            line.moveWriterIndex(to: line.writerIndex - 1)
        }
        return line
    }

    /// `1*HEXDIG [ ; extensions ]`; extensions are ignored.
    private static func chunkSize(_ line: ByteBuffer) throws -> Int {
        try line.withUnsafeReadableBytes { raw in
            var size = 0
            var digits = 0
            var i = 0
            while i < raw.count, let digit = hexValue(raw[i]) {
                guard digits < 15 else { throw UpstreamResponseError("chunk size too large") }
                size = size << 4 | digit
                digits += 1
                i += 1
            }
            guard digits > 0 else { throw UpstreamResponseError("malformed chunk size") }
            while i < raw.count && (raw[i] == 0x20 || raw[i] == 0x09) { i += 1 }
            guard i == raw.count || raw[i] == 0x3B else { throw UpstreamResponseError("malformed chunk size") }
            guard ByteScan.isFieldValue(raw, i..<raw.count) else {
                throw UpstreamResponseError("malformed chunk extension")
            }
            return size
        }
    }

    // MARK: - Bytes

    private static func parseLength(_ value: UnsafeRawBufferPointer) throws -> Int {
        guard !value.isEmpty, value.count <= 18 else { throw UpstreamResponseError("malformed Content-Length") }
        var length = 0
        for byte in value {
            guard isDigit(byte) else { throw UpstreamResponseError("malformed Content-Length") }
            length = length * 10 + Int(byte - 0x30)
        }
        return length
    }

    @inline(__always) private static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    @inline(__always) private static func hexValue(_ byte: UInt8) -> Int? {
        if byte &- 0x30 < 10 { return Int(byte - 0x30) }
        let lower = byte | 0x20
        if lower &- 0x61 < 6 { return Int(lower - 0x61 + 10) }
        return nil
    }
}
