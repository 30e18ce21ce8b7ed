import NIOCore
import NIOHTTP1

/// A response head from an upstream, kept as the bytes it arrived in.
///
/// Most fields go to the client unchanged, so they are never turned into strings: `fields`
/// holds the field lines as received (already validated by `UpstreamResponseParser`) and
/// `forEachField` walks them.
struct UpstreamResponseHead {
    var status: HTTPResponseStatus
    var isHTTP10: Bool
    var keepAlive: Bool
    var contentLength: Int?
    /// The field lines, each ending in LF (CRLF or a bare LF), without the blank line.
    var fields: ByteBuffer
    /// How many field lines `fields` holds, and how many of them are Location (which a rewrite can
    /// lengthen): together they bound the bytes the fields take when written back.
    var fieldLines: Int
    var locationLines: Int
    /// Names the upstream's Connection header lists besides close and keep-alive, lower-cased.
    var connectionNamed: [String]

    /// Calls `body` with the name and the value (optional whitespace trimmed) of each field line.
    static func forEachField(
        in raw: UnsafeRawBufferPointer, _ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void
    ) {
        var start = 0
        let count = raw.count
        while start < count {
            var end = ByteScan.index(of: 0x0A, in: raw, from: start, to: count)!
            let next = end + 1
            if end > start && raw[end - 1] == 0x0D { end -= 1 }
            var colon = start
            while raw[colon] != 0x3A { colon += 1 }
            var valueStart = colon + 1
            while valueStart < end && (raw[valueStart] == 0x20 || raw[valueStart] == 0x09) { valueStart += 1 }
            var valueEnd = end
            while valueEnd > valueStart && (raw[valueEnd - 1] == 0x20 || raw[valueEnd - 1] == 0x09) { valueEnd -= 1 }
            body(
                UnsafeRawBufferPointer(rebasing: raw[start..<colon]),
                UnsafeRawBufferPointer(rebasing: raw[valueStart..<valueEnd]))
            start = next
        }
    }
}

/// One part of an upstream response, as `UpstreamResponseParser` delivers it.
enum UpstreamResponsePart {
    case head(UpstreamResponseHead)
    case body(ByteBuffer)
    case end
}
