import NIOCore
import NIOHTTP1

/// The exchange an upstream connection currently serves; the client side implements it.
protocol UpstreamDelegate: AnyObject {
    /// Takes the part (`consuming`): the delegate is its last user.
    func upstreamReceived(_ part: consuming UpstreamResponsePart)
    func upstreamReadComplete()
    func upstreamWritabilityChanged(_ writable: Bool)
    /// The connection failed or closed before the exchange finished.
    func upstreamFailed(_ error: any Error)
    /// Whether the client can take more response bytes; reads upstream wait until it can.
    var clientIsWritable: Bool { get }
}

/// The one handler of an upstream channel: parses the response bytes and relays the parts to
/// whoever holds the connection, and holds reads while the client is slower than the upstream
/// (backpressure).
final class UpstreamHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    /// Request bytes, framed by the gateway (`HeadSerializer`), pass straight to the socket.
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    weak var delegate: (any UpstreamDelegate)? { didSet { delegateChanges &+= 1 } }
    /// Counts changes of `delegate`, so `channelRead` loads the weak reference once per read
    /// instead of once per part (each load is a count), and again only after it changed.
    private var delegateChanges = 0
    var decoder = UpstreamResponseParser()
    private var unparsed = UnparsedBytes()
    /// The bytes broke the framing: nothing more is read as HTTP.
    private var failed = false
    /// Called when the connection closes while idle in the pool.
    var onIdleClose: (() -> Void)?
    private var readPending = false
    private(set) var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var buffer = unparsed.adding(unwrapInboundIn(data))
        do {
            // The decoder is not accessed while a part is handed on: the delegate may reuse this
            // connection for a pipelined request and tell the decoder what that one expects.
            var receiver = delegate
            var seen = delegateChanges
            while let part = try decoder.next(&buffer) {
                if seen != delegateChanges {
                    receiver = delegate
                    seen = delegateChanges
                }
                receiver?.upstreamReceived(part)
            }
            unparsed.keep(buffer)
        } catch {
            fail(context, error)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
        // Still serving an exchange: the response is not complete. Acknowledge what arrived now
        // instead of after the delayed-ACK timer (40 ms): a sender whose Nagle test holds the rest
        // of the response back until that ACK (nginx with sendfile does, when a segment ends short)
        // would otherwise stall the response for that long.
        #if os(Linux)
            if delegate != nil {
                try? context.channel.syncOptions?.setOption(Self.quickAck, value: 1)
            }
        #endif
    }

    #if os(Linux)
        /// TCP_QUICKACK: sends the pending ACK at once; the kernel falls back to delayed ACKs by itself.
        private static let quickAck = ChannelOptions.Types.SocketOption(
            level: .tcp, name: NIOBSDSocket.Option(rawValue: 12))
    #endif

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        delegate?.upstreamWritabilityChanged(context.channel.isWritable)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !failed, delegate != nil {
            // A response read until close ends here; one cut short is an error.
            var buffer = unparsed.takeAll()
            do {
                while let part = try decoder.next(&buffer) { delegate?.upstreamReceived(part) }
                if let last = try decoder.connectionClosed(buffer) { delegate?.upstreamReceived(last) }
            } catch {
                fail(context, error)
            }
        }
        if let delegate {
            self.delegate = nil
            delegate.upstreamFailed(ChannelError.eof)
        } else {
            onIdleClose?()
        }
        onIdleClose = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context, error)
    }

    private func fail(_ context: ChannelHandlerContext, _ error: any Error) {
        failed = true
        if let delegate {
            self.delegate = nil
            delegate.upstreamFailed(error)
        }
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if let delegate, !delegate.clientIsWritable {
            readPending = true
            return
        }
        context.read()
    }

    /// Writes request bytes from this handler's place in the pipeline: one hop less per write
    /// than `channel.write`, which passes the tail and this handler first.
    func write(_ bytes: ByteBuffer) {
        context?.write(wrapOutboundOut(bytes), promise: nil)
    }

    /// The client drained its buffer: resume a held read.
    func resumeReading() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }
}
