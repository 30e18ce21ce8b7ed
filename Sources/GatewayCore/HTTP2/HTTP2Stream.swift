import NIOCore
import NIOHTTP2

/// One request's stream on an HTTP/2 connection whose streams have no channel each
/// (`HTTP2StreamRouter`): its `ClientHandler` and codec, its body joined or held while the
/// handler reads no more (its upstream is slow: the client's windows are then not given back;
/// `HTTP2InboundBody`), and the DATA written that the socket has not taken yet. Past
/// `highWatermark` of it the handler is told the client is not writable, as a channel would tell
/// it, so a slow reader slows the upstream.
final class HTTP2Stream {
    let id: HTTP2StreamID
    let codec: HTTP2StreamCodec
    /// Until the stream closes.
    private(set) var client: ClientHandler?
    /// Weak: a write's promise can complete after the connection's pipeline is gone.
    private weak var router: HTTP2StreamRouter?
    private var window: HTTP2InboundWindow
    private var body = HTTP2InboundBody()
    /// Trailers that came while the body was held: they follow it.
    private var heldTrailers: HTTP2Frame.FramePayload?
    private var paused = false
    private var receivedEnd = false
    private var resetSent = false
    private(set) var isClosed = false
    private var unsent = 0
    private var overWatermark = false
    /// Set while the handler is in a call that writes (a response without a body ends the
    /// stream inside the write of its HEADERS): a close then waits for the call to return.
    private var busy = 0

    static let highWatermark = 1 << 20
    static let lowWatermark = 256 * 1024

    init(
        id: HTTP2StreamID, codec: HTTP2StreamCodec, client: ClientHandler, router: HTTP2StreamRouter, window: Int
    ) {
        self.id = id
        self.codec = codec
        self.client = client
        self.router = router
        self.window = HTTP2InboundWindow(target: window)
    }

    // MARK: client to gateway

    /// A HEADERS or DATA frame of this stream from the client.
    func received(_ payload: HTTP2Frame.FramePayload) {
        guard !isClosed else { return }
        guard case .data(let data) = payload else {
            // HEADERS: the request's, or trailers after the body.
            if !paused { handOnBody() }
            if paused { heldTrailers = payload } else { deliver(payload) }
            return
        }
        // Inbound DATA is always bytes (a file region is only ever written).
        guard case .byteBuffer(let bytes) = data.data else { return }
        if paused {
            let count = Self.flowControlled(data)
            window.hold(count)
            router?.connectionHolds(count)
            body.append(bytes, endStream: data.endStream, held: count)
            return
        }
        if body.passesThrough(bytes) { return deliver(payload) }
        body.append(bytes, endStream: data.endStream, held: nil)
        if body.isFull { handOnBody() }
    }

    /// The joined body, while the handler reads; what was held gives the windows back.
    private func handOnBody() {
        while !paused && !isClosed, let piece = body.nextPiece() {
            if piece.released > 0 {
                if let increment = window.release(piece.released) { router?.windowUpdate(id, increment) }
                router?.connectionReleases(piece.released)
            }
            deliver(.data(.init(data: .byteBuffer(piece.bytes), endStream: piece.endStream)))
        }
    }

    /// The connection's read is complete: what was joined goes on, and the upstream is flushed.
    func readComplete() {
        handOnBody()
        client?.streamReadComplete()
    }

    private func deliver(_ payload: HTTP2Frame.FramePayload) {
        guard let client else { return }
        switch payload {
        case .headers(let headers): receivedEnd = receivedEnd || headers.endStream
        case .data(let data): receivedEnd = receivedEnd || data.endStream
        default: break
        }
        busy += 1
        let wellFormed = client.streamFrame(payload)
        busy -= 1
        guard wellFormed else { return reset(.protocolError) }
        if !receivedEnd && !client.streamWantsMore() { paused = true }
    }

    /// The handler reads again: what was held goes to it, and its windows back to the client.
    func resume() {
        paused = false
        handOnBody()
        if !paused && !isClosed, let trailers = heldTrailers {
            heldTrailers = nil
            deliver(trailers)
        }
        // As at the end of a read: what went to the upstream is flushed.
        client?.streamReadComplete()
    }

    /// What was held is dropped; the connection's window gets it back (the stream's is gone).
    private func dropHeld() {
        heldTrailers = nil
        let released = body.dropAll()
        if released > 0 { router?.connectionReleases(released) }
    }

    /// NIO reports the stream's receive window.
    func inboundWindowChanged(to size: Int) {
        if let increment = window.changed(to: size) { router?.windowUpdate(id, increment) }
    }

    /// The bytes of a DATA frame that count against windows (RFC 9113 §6.1: padding too).
    static func flowControlled(_ data: HTTP2Frame.FramePayload.Data) -> Int {
        let padding = data.paddingBytes.map { $0 + 1 } ?? 0
        if case .byteBuffer(let bytes) = data.data { return bytes.readableBytes + padding }
        return padding
    }

    // MARK: gateway to client

    /// Writes the handler's response bytes as this stream's frames.
    func write(_ bytes: ByteBuffer, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        guard !isClosed && !resetSent else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        busy += 1
        defer { busy -= 1 }
        codec.write(bytes, context: context, promise: promise) { payload, promise in
            var promise = promise
            if case .data(let data) = payload, case .byteBuffer(let body) = data.data, body.readableBytes > 0 {
                // Counted until the socket takes it: NIO holds DATA the client's window has no room for.
                let count = body.readableBytes
                let written = promise ?? context.eventLoop.makePromise()
                promise = written
                unsent += count
                written.futureResult.assumeIsolated().whenComplete { _ in self.taken(count) }
                if !overWatermark && unsent > Self.highWatermark {
                    overWatermark = true
                    if router?.isWritable == true { client?.clientWritabilityChanged(false) }
                }
            }
            context.write(NIOAny(HTTP2Frame(streamID: id, payload: payload)), promise: promise)
        }
    }

    private func taken(_ count: Int) {
        unsent -= count
        guard overWatermark && unsent < Self.lowWatermark else { return }
        overWatermark = false
        if router?.isWritable == true { client?.clientWritabilityChanged(true) }
    }

    /// The connection's socket became writable or not.
    func connectionWritabilityChanged(_ writable: Bool) {
        if !overWatermark { client?.clientWritabilityChanged(writable) }
    }

    func flushLater() { router?.flushLater() }

    /// Ends the stream now, whatever was sent: RST_STREAM with `code`.
    func reset(_ code: HTTP2ErrorCode) {
        guard !isClosed && !resetSent, let router, let context = router.context else { return }
        resetSent = true
        dropHeld()
        busy += 1
        context.write(NIOAny(HTTP2Frame(streamID: id, payload: .rstStream(code))), promise: nil)
        busy -= 1
        router.flushLater()
    }

    /// After the response's last write: a stream whose request was not read to its end is
    /// reset, NO_ERROR when the response is whole (RFC 9113 §8.1), CANCEL when it was cut.
    func finishAfterResponse() {
        guard !isClosed else { return }
        if !codec.sentEnd {
            reset(.cancel)
        } else if !receivedEnd {
            reset(.noError)
        }
    }

    /// NIO closed the stream (both ends done, or a reset either way), or the connection went.
    /// Inside one of the handler's writes (`busy`), the handler hears of it once that call has
    /// returned: a HEAD's response ends in its HEADERS, and the exchange still has to end.
    func closed() {
        guard !isClosed else { return }
        isClosed = true
        dropHeld()
        guard busy > 0, let eventLoop = router?.context?.eventLoop else { return tellClient() }
        eventLoop.assumeIsolated().execute { self.tellClient() }
    }

    private func tellClient() {
        let client = self.client
        self.client = nil
        client?.streamClosed()
    }
}
