import NIOCore
import NIOHTTP1

/// What `ClientHandler` reads: a request's head, then body parts and the end.
enum ClientRequestPart {
    case head(ClientRequestHead)
    case body(ByteBuffer)
    case end
}

/// A request head from either protocol: the request line, the facts the pipeline reads from
/// its fields, and the fields themselves.
///
/// An HTTP/1.1 head keeps its bytes: a field the gateway forwards goes upstream as received and
/// never becomes a `String` (only the fields `RequestHeadFacts` reads do). An HTTP/2 head comes
/// as NIO's field list, already decoded by HPACK.
///
/// A class: a head passes through a part enum, a switch and the handler's calls, and a copy of
/// it is then one reference count, not one per string of its facts.
final class ClientRequestHead {
    let method: HTTPMethod
    let version: HTTPVersion
    let uri: String
    let facts: RequestHeadFacts
    let fields: Fields

    enum Fields {
        case raw(RawRequestHead)
        case list(HTTPHeaders)
    }

    init(_ raw: RawRequestHead) {
        method = raw.method
        version = raw.version
        uri = raw.withBytes(of: raw.target) { String(decoding: $0, as: UTF8.self) }
        facts = RequestHeadFacts(raw)
        fields = .raw(raw)
    }

    init(_ head: HTTPRequestHead) {
        method = head.method
        version = head.version
        uri = head.uri
        facts = RequestHeadFacts(head.headers)
        fields = .list(head.headers)
    }

    /// Whether the connection stays open after this request.
    var keepsConnection: Bool { facts.keepsConnection(version) }
}
