import NIOCore

/// The front of an HTTP/1.1 client connection: decodes the bytes (`HTTP1RequestDecoder`) and
/// hands each part straight to the connection's `ClientHandler`.
///
/// A direct call, not `fireChannelRead`: each part through the pipeline cost an `NIOAny`
/// dynamic cast, and NIO's `ByteToMessageHandler` runs unspecialised from another module
/// (callgrind). It also tells the state machine when bytes arrive, so a head's header timeout
/// starts at its first byte (SPEC §10): only raw bytes tell when a head *starts*.
final class HTTP1RequestReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let client: ClientHandler
    private var decoder = HTTP1RequestDecoder()
    private var unparsed = UnparsedBytes()
    /// The bytes broke the framing: the client handler answered, nothing more is read.
    private var failed = false

    init(_ client: ClientHandler) { self.client = client }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        client.bytesArrived()
        guard !failed else { return }
        var buffer = unparsed.adding(unwrapInboundIn(data))
        do {
            while let part = try decoder.next(&buffer) { client.received(part) }
            unparsed.keep(buffer)
        } catch {
            failed = true
            context.fireErrorCaught(error)
        }
    }
}
