import NIOCore
import NIOHTTP1

/// A response head from an upstream, kept as the bytes it arrived in.
///
/// Most fields go to the client unchanged, so they are never turned into strings: `fields` holds
/// the field lines as received, validated by `UpstreamFieldLines`.
struct UpstreamResponseHead {
    /// The status code as parsed. Kept as a number: NIO's `HTTPResponseStatus.code` copies the
    /// enum, two reference counts per read, and most readers want the number.
    var code: Int
    var isHTTP10: Bool
    var keepAlive: Bool
    var contentLength: Int?
    var fields: UpstreamFieldLines
    /// How many of the field lines are Location (which a rewrite can lengthen), to size the
    /// client's head in one go.
    var locationLines: Int
    /// Names the upstream's Connection header lists besides close and keep-alive, ASCII lower-cased.
    var connectionNamed: [[UInt8]]

    /// The status with its standard reason phrase, for the client's status line.
    var status: HTTPResponseStatus { HTTPResponseStatus(statusCode: code) }

    /// Whether the upstream's Connection header names `name`, making it hop-by-hop whatever it is.
    func isConnectionNamed(_ name: UnsafeRawBufferPointer) -> Bool {
        !connectionNamed.isEmpty && connectionNamed.contains { HeaderNames.equalsIgnoringASCIICase(name, $0) }
    }
}

/// One part of an upstream response, as `UpstreamResponseParser` delivers it.
enum UpstreamResponsePart {
    case head(UpstreamResponseHead)
    case body(ByteBuffer)
    case end
}
