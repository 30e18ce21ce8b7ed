import NIOCore
import NIOHTTP1

/// NIO's response parser (llhttp), without its write observation.
///
/// `HTTPResponseDecoder` learns each request's method by watching `HTTPClientRequestPart` writes;
/// the gateway writes framed bytes instead, so it reports the method itself (`expectResponse`),
/// which is what tells the parser that a response to HEAD has no body.
final class UpstreamResponseDecoder: ByteToMessageDecoder {
    typealias InboundOut = HTTPClientResponsePart

    private let parser = HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop)

    /// Call before writing each request head.
    func expectResponse(to method: HTTPMethod) {
        parser.write(data: .head(HTTPRequestHead(version: .http1_1, method: method, uri: "/")))
    }

    func decoderAdded(context: ChannelHandlerContext) { parser.decoderAdded(context: context) }
    func decoderRemoved(context: ChannelHandlerContext) { parser.decoderRemoved(context: context) }

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        try parser.decode(context: context, buffer: &buffer)
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try parser.decodeLast(context: context, buffer: &buffer, seenEOF: seenEOF)
    }
}
