import NIOCore
import NIOHTTP1

/// A response head from an upstream, kept as the bytes it arrived in.
///
/// Most fields go to the client unchanged, so they are never turned into strings: `fields` holds
/// the field lines as received, validated by `UpstreamFieldLines`.
struct UpstreamResponseHead {
    var status: HTTPResponseStatus
    /// `status.code`, read once: NIO's getter copies the enum, two reference counts per read.
    let code: Int
    var isHTTP10: Bool
    var keepAlive: Bool
    var contentLength: Int?
    var fields: UpstreamFieldLines
    /// How many of the field lines are Location (which a rewrite can lengthen), to size the
    /// client's head in one go.
    var locationLines: Int
    /// Names the upstream's Connection header lists besides close and keep-alive, ASCII lower-cased.
    var connectionNamed: [[UInt8]]

    init(
        status: HTTPResponseStatus, isHTTP10: Bool, keepAlive: Bool, contentLength: Int?, fields: UpstreamFieldLines,
        locationLines: Int, connectionNamed: [[UInt8]]
    ) {
        self.status = status
        code = Int(status.code)
        self.isHTTP10 = isHTTP10
        self.keepAlive = keepAlive
        self.contentLength = contentLength
        self.fields = fields
        self.locationLines = locationLines
        self.connectionNamed = connectionNamed
    }

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
