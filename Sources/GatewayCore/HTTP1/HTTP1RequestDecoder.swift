import NIOCore
import NIOHTTP1

/// The client side's HTTP/1.1 decoder: `RequestHeadParser` and `RequestBodyDecoder` on the
/// connection's bytes, handing `ClientHandler` the same parts NIO's llhttp decoder did.
///
/// After a CONNECT head it stops, as llhttp did: what follows is a tunnel's bytes, never a
/// request (the gateway refuses CONNECT and reads nothing more). An `Upgrade` field, unlike in
/// llhttp, changes nothing: the gateway never upgrades (SPEC §10), so RFC 9110 §7.8 lets it
/// ignore the field and the next bytes are the next request, as in nginx.
struct HTTP1RequestDecoder: ByteToMessageDecoder {
    typealias InboundOut = ClientRequestPart

    private enum State {
        case head
        case body(RequestBodyDecoder)
        case tunnel
    }

    private var parser = RequestHeadParser()
    private var state = State.head

    /// Hands on every part the bytes hold. It loops itself because `ByteToMessageHandler` calls
    /// again only when bytes remain: a bodiless request's end must not wait for the next read.
    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        while true {
            switch state {
            case .head:
                guard let raw = try parser.parse(&buffer) else { return .needMoreData }
                let head = HTTPRequestHead(raw)
                state = head.method == .CONNECT ? .tunnel : .body(RequestBodyDecoder(raw.framing))
                context.fireChannelRead(NIOAny(ClientRequestPart.head(head, raw: raw)))
                if case .tunnel = state { context.fireChannelRead(NIOAny(ClientRequestPart.end)) }
            case .body(var decoder):
                let part = try decoder.next(&buffer)
                switch part {
                case nil:
                    state = .body(decoder)
                    return .needMoreData
                case .body(let bytes):
                    state = .body(decoder)
                    context.fireChannelRead(NIOAny(ClientRequestPart.body(bytes)))
                case .end:
                    state = .head
                    context.fireChannelRead(NIOAny(ClientRequestPart.end))
                }
            case .tunnel:
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                return .needMoreData
            }
        }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // Whole requests still in the buffer are handed on; a cut one is dropped with the connection.
        _ = try decode(context: context, buffer: &buffer)
        return .needMoreData
    }
}
extension HTTPRequestHead {
    /// The head as NIO's types hold it: a `String` per field for the pipeline (today's cost; the
    /// fields it only forwards will stay bytes once the pipeline reads `RawRequestHead`).
    init(_ raw: RawRequestHead) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(raw.fields.count)
        raw.bytes.withUnsafeReadableBytes { bytes in
            for field in raw.fields {
                headers.add(
                    name: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[field.name]), as: UTF8.self),
                    value: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[field.value]), as: UTF8.self))
            }
        }
        let uri = raw.bytes.withUnsafeReadableBytes { bytes in
            String(decoding: UnsafeRawBufferPointer(rebasing: bytes[raw.target]), as: UTF8.self)
        }
        self.init(version: raw.version, method: raw.method, uri: uri, headers: headers)
    }
}
