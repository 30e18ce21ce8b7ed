import NIOCore
import NIOHTTP1

/// The client side's HTTP/1.1 decoder: `RequestHeadParser` and `RequestBodyDecoder` on the
/// connection's bytes, giving the parts NIO's llhttp decoder did. `HTTP1RequestReader` drives it.
///
/// After a CONNECT head it stops, as llhttp did: what follows is a tunnel's bytes, never a
/// request (the gateway refuses CONNECT and reads nothing more). An `Upgrade` field, unlike in
/// llhttp, changes nothing: the gateway never upgrades (SPEC §10), so RFC 9110 §7.8 lets it
/// ignore the field and the next bytes are the next request, as in nginx.
struct HTTP1RequestDecoder {
    private enum State {
        case head
        case body(RequestBodyDecoder)
        /// A CONNECT head was handed on; its `.end` is next.
        case connectEnd
        case tunnel
    }

    private var parser = RequestHeadParser()
    private var state = State.head

    /// The next part `buffer` holds, or nil until more bytes arrive. A bodiless request's end
    /// comes with its head's read, not with the next one.
    mutating func next(_ buffer: inout ByteBuffer) throws -> ClientRequestPart? {
        switch state {
        case .head:
            guard let raw = try parser.parse(&buffer) else { return nil }
            state = raw.method.isCONNECT ? .connectEnd : .body(RequestBodyDecoder(raw.framing))
            return .head(ClientRequestHead(raw))
        case .body(var decoder):
            let part = try decoder.next(&buffer)
            switch part {
            case nil:
                state = .body(decoder)
                return nil
            case .body(let bytes):
                state = .body(decoder)
                return .body(bytes)
            case .end:
                state = .head
                return .end
            }
        case .connectEnd:
            state = .tunnel
            return .end
        case .tunnel:
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return nil
        }
    }
}
