import NIOCore

/// On a cleartext port, tells HTTP/2 with prior knowledge (RFC 9113 §3.3: the connection starts
/// with the client preface) from HTTP/1.1 by the first bytes, builds the pipeline for the one it
/// is, hands it those bytes and steps aside.
final class PriorKnowledgeSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    static let preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    private let configure: (_ isHTTP2: Bool, _ channel: any Channel) throws -> Void
    private var seen: ByteBuffer?

    init(configure: @escaping (_ isHTTP2: Bool, _ channel: any Channel) throws -> Void) {
        self.configure = configure
    }

    /// Whether `bytes` settle it: true/false once they match the whole preface or differ from it.
    static func isPreface(_ bytes: ByteBuffer) -> Bool? {
        let count = min(bytes.readableBytes, preface.count)
        guard let start = bytes.getBytes(at: bytes.readerIndex, length: count) else { return nil }
        if !start.elementsEqual(preface.prefix(count)) { return false }
        return count == preface.count ? true : nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if var held = seen {
            held.writeBuffer(&bytes)
            bytes = held
        }
        guard let isHTTP2 = Self.isPreface(bytes) else {
            seen = bytes
            return
        }
        seen = nil
        do {
            try configure(isHTTP2, context.channel)
        } catch {
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(wrapInboundOut(bytes))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        seen = nil
        context.fireChannelInactive()
    }
}
