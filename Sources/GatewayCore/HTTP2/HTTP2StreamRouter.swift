import NIOCore
import NIOHTTP2

/// An HTTP/2 connection's streams, each a `ClientHandler` without a channel of its own.
///
/// NIO's multiplexer gives every stream a child channel: a pipeline, contexts, promises and
/// events per request, ~13% of a proxied GET's instructions over HTTP/2 (callgrind). Here NIO's
/// handler runs without it and this one routes each HEADERS and DATA frame by stream ID to its
/// `HTTP2Stream`, opened at the first HEADERS and dropped at NIO's `StreamClosedEvent`. What the
/// multiplexer did besides is done here: the receive windows given back as the handlers read
/// (`HTTP2InboundWindow`, stream and connection), writability per stream, flushes once a tick.
/// Limits, resets and floods stay NIO's (its connection state machine).
final class HTTP2StreamRouter: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let shared: GatewayShared
    private let loop: LoopContext
    private let secure: Bool
    /// The connection's repeated response values, shared by its streams.
    private let values = HTTP2FieldValues()
    private var streams: [HTTP2StreamID: HTTP2Stream] = [:]
    private var connectionWindow: HTTP2InboundWindow
    private(set) var context: ChannelHandlerContext?
    private var peer: Peer?
    /// The connection's socket takes more bytes.
    private(set) var isWritable = true
    private var flushScheduled = false
    /// Streams that got frames in this read, told when it completes (their upstream flushes).
    private var readThisCycle: [HTTP2Stream] = []
    private var lastStream: HTTP2Stream?

    init(shared: GatewayShared, loop: LoopContext, secure: Bool) {
        self.shared = shared
        self.loop = loop
        self.secure = secure
        connectionWindow = HTTP2InboundWindow(target: shared.configuration.http2Windows.connection)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        isWritable = context.channel.isWritable
        if let address = context.channel.remoteAddress, let ip = IPAddress(address) {
            peer = Peer(ip, trusted: shared.pipeline.clients.trusted, secure: secure)
        }
        // The connection's window starts at 64 KiB whatever SETTINGS say (RFC 9113 §6.9.2): it
        // is opened to its target with the preface, which NIO's handler (added before this one,
        // on a channel already active after ALPN or the sniffed preface) has sent; not a round
        // trip after the first upload's first 64 KiB.
        if context.channel.isActive, let increment = connectionWindow.changed(to: 65_535) {
            windowUpdate(.rootStream, increment)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closeAll()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let stream: HTTP2Stream
        switch frame.payload {
        case .headers:
            stream = self.stream(frame.streamID) ?? open(frame.streamID, context: context)
        case .data:
            // DATA of a stream already reset here: NIO has counted it against the window.
            guard let known = self.stream(frame.streamID) else { return }
            stream = known
        default:
            // Resets, window updates, priorities: NIO's state machine has them (and reports a
            // closed stream with `StreamClosedEvent`); PING and GOAWAY go on to the manager.
            context.fireChannelRead(data)
            return
        }
        if readThisCycle.last !== stream { readThisCycle.append(stream) }
        stream.received(frame.payload)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !readThisCycle.isEmpty {
            let touched = readThisCycle
            readThisCycle.removeAll(keepingCapacity: true)
            for stream in touched { stream.readComplete() }
        }
        context.fireChannelReadComplete()
    }

    /// NIO reports windows twice for every DATA frame sent or received: those events are told
    /// by their type's identity (a failing `as` cast of an `Any` cost ~1.5k instructions) and end
    /// here; the rest go on to the connection manager.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        let type = ObjectIdentifier(Swift.type(of: event))
        if type == Self.windowEvent {
            let window = event as! NIOHTTP2WindowUpdatedEvent
            guard let size = window.inboundWindowSize else { return }
            if window.streamID == .rootStream {
                if let increment = connectionWindow.changed(to: size) { windowUpdate(.rootStream, increment) }
            } else {
                stream(window.streamID)?.inboundWindowChanged(to: size)
            }
            return
        }
        if type == Self.closedEvent {
            let closed = event as! StreamClosedEvent
            if lastStream?.id == closed.streamID { lastStream = nil }
            streams.removeValue(forKey: closed.streamID)?.closed()
        }
        context.fireUserInboundEventTriggered(event)
    }

    private static let windowEvent = ObjectIdentifier(NIOHTTP2WindowUpdatedEvent.self)
    private static let closedEvent = ObjectIdentifier(StreamClosedEvent.self)

    /// The stream of `id`; the last one found is kept, as a download's events all name it.
    private func stream(_ id: HTTP2StreamID) -> HTTP2Stream? {
        if let lastStream, lastStream.id == id { return lastStream }
        lastStream = streams[id]
        return lastStream
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        isWritable = context.channel.isWritable
        for stream in streams.values { stream.connectionWritabilityChanged(isWritable) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closeAll()
        context.fireChannelInactive()
    }

    private func closeAll() {
        let all = streams
        streams.removeAll()
        lastStream = nil
        for stream in all.values { stream.closed() }
    }

    private func open(_ id: HTTP2StreamID, context: ChannelHandlerContext) -> HTTP2Stream {
        let client = ClientHandler(shared: shared, loop: loop, secure: secure)
        let stream = HTTP2Stream(
            id: id, codec: HTTP2StreamCodec(values: values), client: client, router: self,
            window: shared.configuration.http2Windows.stream)
        streams[id] = stream
        client.attach(stream, context: context, peer: peer, writable: isWritable)
        return stream
    }

    /// Gives the client `increment` more bytes of window on `id` (0: the connection).
    func windowUpdate(_ id: HTTP2StreamID, _ increment: Int) {
        guard let context else { return }
        context.write(
            wrapOutboundOut(HTTP2Frame(streamID: id, payload: .windowUpdate(windowSizeIncrement: increment))),
            promise: nil)
        flushLater()
    }

    /// A stream holds `count` bytes for its slow handler: the connection's window keeps them too,
    /// so what one connection makes the gateway hold stays within it.
    func connectionHolds(_ count: Int) {
        connectionWindow.hold(count)
    }

    /// Held bytes handed on or dropped: the connection's window gets them back.
    func connectionReleases(_ count: Int) {
        if let increment = connectionWindow.release(count) { windowUpdate(.rootStream, increment) }
    }

    /// One flush of the connection at the end of the tick, however many streams asked.
    func flushLater() {
        guard !flushScheduled, let context else { return }
        flushScheduled = true
        context.eventLoop.assumeIsolated().execute {
            self.flushScheduled = false
            self.context?.flush()
        }
    }
}
