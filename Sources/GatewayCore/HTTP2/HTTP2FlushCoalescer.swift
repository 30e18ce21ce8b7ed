import NIOCore

/// Holds an HTTP/2 connection's flushes until the end of the event-loop tick.
///
/// Every stream's response flushes the connection, and each flush became a TLS record and a
/// `write(2)` of its own: with 100 streams on a connection a quarter of the gateway's CPU went
/// to socket writes (perf, h2load 1 × 100 streams). Held until the tick's other work is done,
/// the frames of every stream answered in the tick leave in one write, as nginx sends them.
/// A close first flushes what is held: the frames before it (a GOAWAY) must go out.
final class HTTP2FlushCoalescer: ChannelOutboundHandler {
    typealias OutboundIn = NIOAny

    private var flushPending = false

    func flush(context: ChannelHandlerContext) {
        guard !flushPending else { return }
        flushPending = true
        context.eventLoop.assumeIsolated().execute {
            self.flushPending = false
            context.flush()
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if flushPending { context.flush() }
        context.close(mode: mode, promise: promise)
    }
}
