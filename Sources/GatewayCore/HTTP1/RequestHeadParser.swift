public import NIOCore
import NIOHTTP1

/// Parses request heads from raw bytes (RFC 9112 §2–§7), without a `String` per field.
///
/// A value type fed with whatever arrived: `parse` returns nil until a whole head is there and
/// remembers how far it looked, so a head dripped byte by byte is scanned once, not once per
/// read. It refuses what SPEC §10 refuses and, where the SPEC is silent, what llhttp (the parser
/// it replaces) refuses; `Fuzz/README.md` lists where the two still differ and why.
public struct RequestHeadParser: Sendable {
    /// SPEC §10: a head over 64 KiB or over 100 field lines gets 431.
    public static let maxHeadBytes = 64 * 1024
    public static let maxFieldLines = 100

    /// Bytes from the reader index already searched for the end of the head.
    private var scanned = 0

    public init() {}

    /// The next head, or nil until all of it arrived; the head's bytes and its empty line are
    /// consumed from `buffer`, the body (or the next request) is left there.
    public mutating func parse(_ buffer: inout ByteBuffer) throws(RequestParseError) -> RawRequestHead? {
        // RFC 9112 §2.2: empty lines before the request line are ignored.
        if scanned == 0 { skipEmptyLines(&buffer) }
        let end: Int? = buffer.withUnsafeReadableBytes { raw in
            // The head ends at CRLF CRLF. A bare LF anywhere is refused when the lines are read.
            var from = max(scanned, 3)
            while let i = ByteScan.index(of: 0x0A, in: raw, from: from, to: raw.count) {
                if raw[i - 1] == 0x0D && raw[i - 2] == 0x0A && raw[i - 3] == 0x0D { return i + 1 }
                if raw[i - 1] != 0x0D { return i + 1 }  // bare LF: end here, refused below
                from = i + 1
            }
            scanned = max(raw.count - 3, 0)
            return nil
        }
        guard let end else {
            if buffer.readableBytes > Self.maxHeadBytes + 4 { throw .headTooLarge }
            return nil
        }
        scanned = 0
        guard end <= Self.maxHeadBytes + 4 else { throw .headTooLarge }
        let whole = buffer.readSlice(length: end)!
        return try Self.parse(head: whole)
    }

    /// CR and LF bytes alone count as empty lines here, as llhttp took them: between messages
    /// they cannot change how a request is read.
    private func skipEmptyLines(_ buffer: inout ByteBuffer) {
        while let byte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self), byte == 0x0D || byte == 0x0A {
            buffer.moveReaderIndex(forwardBy: 1)
        }
    }

    /// Parses a head cut after its CRLF CRLF (or after a bare LF, which it refuses).
    static func parse(head whole: ByteBuffer) throws(RequestParseError) -> RawRequestHead {
        let result: Result<RawRequestHead, RequestParseError> = whole.withUnsafeReadableBytes { raw in
            do throws(RequestParseError) {
                return .success(try parse(raw, bytes: whole))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private static func parse(_ raw: UnsafeRawBufferPointer, bytes whole: ByteBuffer) throws(RequestParseError)
        -> RawRequestHead
    {
        // Every line ends in CRLF (RFC 9112 §2.2: a bare CR or LF is refused, SPEC §10).
        guard raw.count >= 4, raw[raw.count - 2] == 0x0D, raw[raw.count - 4] == 0x0D else {
            throw .malformed("bare LF")
        }
        let firstLF = ByteScan.index(of: 0x0A, in: raw, from: 0, to: raw.count)!
        guard firstLF > 0, raw[firstLF - 1] == 0x0D else { throw .malformed("bare LF") }
        let lineEnd = firstLF - 1
        let line = try RequestLine(raw, end: lineEnd)

        // §5: field-line = field-name ":" OWS field-value OWS, one per line, no obs-fold.
        var fields: [RawRequestHead.FieldLine] = []
        fields.reserveCapacity(16)
        var framing = FramingFields()
        var start = lineEnd + 2
        let fieldsEnd = raw.count - 2
        while start < fieldsEnd {
            let lf = ByteScan.index(of: 0x0A, in: raw, from: start, to: fieldsEnd)!
            guard raw[lf - 1] == 0x0D else { throw .malformed("bare LF") }
            let end = lf - 1
            guard fields.count < maxFieldLines else { throw .headTooLarge }
            guard raw[start] != 0x20 && raw[start] != 0x09 else { throw .malformed("obs-fold") }
            var colon = start
            while colon < end && ByteScan.isTokenByte(raw[colon]) { colon += 1 }
            // §5.1: no whitespace between the name and the colon.
            guard colon > start, colon < end, raw[colon] == 0x3A else { throw .malformed("malformed field name") }
            // RFC 9110 §5.5: VCHAR, obs-text, SP, HTAB; never NUL, CR, LF or another control.
            guard ByteScan.isFieldValue(raw, (colon + 1)..<end) else { throw .malformed("malformed field value") }
            var valueStart = colon + 1
            var valueEnd = end
            while valueStart < valueEnd && (raw[valueStart] == 0x20 || raw[valueStart] == 0x09) { valueStart += 1 }
            while valueEnd > valueStart && (raw[valueEnd - 1] == 0x20 || raw[valueEnd - 1] == 0x09) { valueEnd -= 1 }
            let field = RawRequestHead.FieldLine(name: start..<colon, value: valueStart..<valueEnd)
            try framing.note(field, raw)
            fields.append(field)
            start = lf + 1
        }
        return RawRequestHead(
            bytes: whole.getSlice(at: whole.readerIndex, length: raw.count - 2)!, method: line.method,
            target: line.target, version: line.version, fields: fields, framing: try framing.framing())
    }
}

/// RFC 9112 §3: method SP request-target SP HTTP-version.
private struct RequestLine {
    var method: HTTPMethod
    var target: Range<Int>
    var version: HTTPVersion

    init(_ raw: UnsafeRawBufferPointer, end: Int) throws(RequestParseError) {
        var i = 0
        while i < end && ByteScan.isTokenByte(raw[i]) { i += 1 }
        guard i > 0, i < end, raw[i] == 0x20 else { throw .malformed("malformed request line") }
        guard let method = KnownMethods.method(UnsafeRawBufferPointer(rebasing: raw[0..<i])) else {
            throw .malformed("unknown method")
        }
        // §3.2: the target has no whitespace or control byte; SPEC §10's path rules come later.
        // More than one SP before it is taken, as llhttp took it (§3 allows splitting on whitespace).
        var targetStart = i + 1
        while targetStart < end && raw[targetStart] == 0x20 { targetStart += 1 }
        var targetEnd = targetStart
        while targetEnd < end && raw[targetEnd] > 0x20 && raw[targetEnd] != 0x7F { targetEnd += 1 }
        // §3: one SP before the version; more are taken here too.
        var v = targetEnd
        while v < end && raw[v] == 0x20 { v += 1 }
        guard targetEnd > targetStart, v > targetEnd, v + 8 == end else {
            throw .malformed("malformed request line")
        }
        // §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT; this gateway speaks 1.0 and 1.1.
        guard raw[v] == 0x48, raw[v + 1] == 0x54, raw[v + 2] == 0x54, raw[v + 3] == 0x50, raw[v + 4] == 0x2F,
            raw[v + 5] == 0x31, raw[v + 6] == 0x2E, raw[v + 7] == 0x30 || raw[v + 7] == 0x31
        else { throw .malformed("unsupported HTTP version") }
        self.method = method
        self.target = targetStart..<targetEnd
        self.version = raw[v + 7] == 0x31 ? .http1_1 : .http1_0
    }
}

/// The framing fields seen so far, judged at the end of the head (RFC 9112 §6.1–§6.3, SPEC §10).
private struct FramingFields {
    var lengths = 0
    var length = 0
    var lengthValid = true
    var encodings = 0
    var chunkedOnly = true

    mutating func note(_ field: RawRequestHead.FieldLine, _ raw: UnsafeRawBufferPointer) throws(RequestParseError) {
        let name = UnsafeRawBufferPointer(rebasing: raw[field.name])
        let value = UnsafeRawBufferPointer(rebasing: raw[field.value])
        switch name.count {
        case 14 where HeaderNames.equals(name, "content-length"):
            lengths += 1
            // Digits only (no sign, no list), and no more than fits.
            var n = 0
            for byte in value {
                guard byte &- 0x30 < 10 else {
                    lengthValid = false
                    break
                }
                let (times, o1) = n.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int(byte - 0x30))
                guard !o1 && !o2 else { throw .malformed("Content-Length too large") }
                n = sum
            }
            lengthValid = lengthValid && !value.isEmpty
            length = n
        case 17 where HeaderNames.equals(name, "transfer-encoding"):
            encodings += 1
            // "gzip, chunked" on one line counts as two codings: refused.
            chunkedOnly = chunkedOnly && HeaderNames.equals(value, "chunked")
        default:
            break
        }
    }

    func framing() throws(RequestParseError) -> RequestBodyFraming {
        if lengths > 0 && encodings > 0 { throw .malformed(HygieneViolation.bothLengths.rawValue) }
        if encodings > 0 {
            guard encodings == 1, chunkedOnly else { throw .malformed(HygieneViolation.badTransferEncoding.rawValue) }
            return .chunked
        }
        if lengths > 0 {
            guard lengths == 1, lengthValid else { throw .malformed(HygieneViolation.badContentLength.rawValue) }
            return length == 0 ? .none : .length(length)
        }
        return .none
    }
}

/// The methods llhttp knows for HTTP (its `HTTP_METHOD_MAP`): any other token was refused with
/// 400 before, and still is.
enum KnownMethods {
    static func method(_ name: UnsafeRawBufferPointer) -> HTTPMethod? {
        switch name.count {
        case 3:
            if equals(name, "GET") { return .GET }
            if equals(name, "PUT") { return .PUT }
            if equals(name, "ACL") { return .ACL }
        case 4:
            if equals(name, "POST") { return .POST }
            if equals(name, "HEAD") { return .HEAD }
            if equals(name, "COPY") { return .COPY }
            if equals(name, "LOCK") { return .LOCK }
            if equals(name, "MOVE") { return .MOVE }
            if equals(name, "BIND") { return .BIND }
            if equals(name, "LINK") { return .LINK }
        default:
            break
        }
        for (text, method) in others where equals(name, text) { return method }
        return nil
    }

    private static let others: [(StaticString, HTTPMethod)] = [
        ("DELETE", .DELETE), ("PATCH", .PATCH), ("OPTIONS", .OPTIONS), ("CONNECT", .CONNECT), ("TRACE", .TRACE),
        ("MKCOL", .MKCOL), ("PROPFIND", .PROPFIND), ("PROPPATCH", .PROPPATCH), ("SEARCH", .SEARCH),
        ("UNLOCK", .UNLOCK), ("REBIND", .REBIND), ("UNBIND", .UNBIND), ("REPORT", .REPORT),
        ("MKACTIVITY", .MKACTIVITY), ("CHECKOUT", .CHECKOUT), ("MERGE", .MERGE), ("M-SEARCH", .MSEARCH),
        ("NOTIFY", .NOTIFY), ("SUBSCRIBE", .SUBSCRIBE), ("UNSUBSCRIBE", .UNSUBSCRIBE), ("PURGE", .PURGE),
        ("MKCALENDAR", .MKCALENDAR), ("UNLINK", .UNLINK), ("SOURCE", .SOURCE), ("QUERY", .RAW(value: "QUERY")),
    ]

    /// Case-sensitive (RFC 9110 §9.1).
    private static func equals(_ name: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        guard name.count == text.utf8CodeUnitCount else { return false }
        let bytes = text.utf8Start
        for i in 0..<name.count where name[i] != bytes[i] { return false }
        return true
    }
}
