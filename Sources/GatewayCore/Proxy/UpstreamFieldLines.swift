import NIOCore

/// The field lines of an upstream response head, as received.
///
/// The only way to make one is `init(validating:_:)`, which checks every line, so `forEach` can
/// rely on their shape: each line ends in LF (CRLF or a bare LF), has a non-empty token name, a
/// colon, and a value without NUL, CR, LF or another control byte but HTAB. `forEach` still
/// bounds each of its scans: a broken promise would end a walk early, never read outside `bytes`.
struct UpstreamFieldLines {
    /// The field lines, without the blank line that ends the head.
    let bytes: ByteBuffer
    let lineCount: Int

    /// Validates the field lines in `bytes`, calling `inspect` with each name and value (optional
    /// whitespace trimmed) in order.
    init(
        validating bytes: ByteBuffer,
        _ inspect: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Void
    ) throws {
        self.bytes = bytes
        lineCount = try bytes.withUnsafeReadableBytes { raw in
            var lines = 0
            var start = 0
            while start < raw.count {
                guard var end = ByteScan.index(of: 0x0A, in: raw, from: start, to: raw.count) else {
                    throw UpstreamResponseError("malformed field line")
                }
                let next = end + 1
                if end > start && raw[end - 1] == 0x0D { end -= 1 }
                // RFC 9112 §5.2: obs-fold is refused rather than unfolded.
                guard end > start, raw[start] != 0x20 && raw[start] != 0x09 else {
                    throw UpstreamResponseError(end > start ? "obs-fold in response head" : "malformed field line")
                }
                var colon = start
                while colon < end && raw[colon] != 0x3A {
                    guard ByteScan.isTokenByte(raw[colon]) else { throw UpstreamResponseError("malformed field name") }
                    colon += 1
                }
                guard colon < end, colon > start else { throw UpstreamResponseError("malformed field line") }
                // RFC 9110 §5.5: a value is VCHAR, obs-text, SP and HTAB; NUL, CR and LF never (SPEC §10).
                guard ByteScan.isFieldValue(raw, (colon + 1)..<end) else {
                    throw UpstreamResponseError("malformed field value")
                }
                try inspect(
                    UnsafeRawBufferPointer(rebasing: raw[start..<colon]),
                    Self.trimmed(UnsafeRawBufferPointer(rebasing: raw[(colon + 1)..<end])))
                lines += 1
                start = next
            }
            return lines
        }
    }

    /// Calls `body` with the name and the value (optional whitespace trimmed) of each field line.
    func forEach(_ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void) {
        bytes.withUnsafeReadableBytes { raw in
            var start = 0
            let count = raw.count
            while start < count {
                var end = ByteScan.index(of: 0x0A, in: raw, from: start, to: count) ?? count
                let next = end + 1
                if end > start && raw[end - 1] == 0x0D { end -= 1 }
                var colon = start
                while colon < end && raw[colon] != 0x3A { colon += 1 }
                guard colon < end else { return }
                body(
                    UnsafeRawBufferPointer(rebasing: raw[start..<colon]),
                    Self.trimmed(UnsafeRawBufferPointer(rebasing: raw[(colon + 1)..<end])))
                start = next
            }
        }
    }

    static func trimmed(_ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var a = 0
        var b = raw.count
        while a < b && (raw[a] == 0x20 || raw[a] == 0x09) { a += 1 }
        while b > a && (raw[b - 1] == 0x20 || raw[b - 1] == 0x09) { b -= 1 }
        return UnsafeRawBufferPointer(rebasing: raw[a..<b])
    }
}
