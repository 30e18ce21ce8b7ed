import NIOCore

/// What a `RawHTTPClient`'s socket has delivered and not yet been taken by the client.
struct ClientInbox: Sendable {
    var received: [ReceivedBytes] = []
    var closed = false
    /// The error that closed the connection (e.g. a reset), if any.
    var error: (any Error)?

    enum Take: Sendable {
        case bytes([ReceivedBytes])
        case closed
    }

    /// Everything received so far, or `.closed` once drained and closed, or nil (wait).
    mutating func take() -> Take? {
        if !received.isEmpty {
            defer { received = [] }
            return .bytes(received)
        }
        return closed ? .closed : nil
    }
}

/// Feeds a client channel's reads and close into its `ClientInbox`, stamped on arrival.
final class ClientInboxHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let inbox: AwaitableState<ClientInbox>

    init(inbox: AwaitableState<ClientInbox>) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let received = ReceivedBytes(bytes: Array(unwrapInboundIn(data).readableBytesView), arrival: .now)
        inbox.update { $0.received.append(received) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        inbox.update { $0.error = error }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.update { $0.closed = true }
        context.fireChannelInactive()
    }
}
