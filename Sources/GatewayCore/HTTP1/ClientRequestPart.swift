import NIOCore
import NIOHTTP1

/// What `ClientHandler` reads: a request's head, with its raw bytes when it came over HTTP/1.1
/// (so the fields the gateway forwards go upstream as received), then body parts and the end.
enum ClientRequestPart {
    case head(HTTPRequestHead, raw: RawRequestHead?)
    case body(ByteBuffer)
    case end
}
