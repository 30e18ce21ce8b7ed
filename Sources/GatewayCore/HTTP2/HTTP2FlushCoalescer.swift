import NIOCore

/// Holds an HTTP/2 connection's flushes until the end of the event-loop tick.
///
/// `HTTP2StreamRouter` already flushes once a tick for its streams; this holds NIO's own flushes
/// (its settings and ping acks, window updates, after each read) to the same end of the tick.
/// Flushed apart, each became a TLS record and a `write(2)` of its own: with 100 streams on a
/// connection a quarter of the gateway's CPU went to socket writes (perf, h2load 1 × 100
/// streams, when every stream flushed). Whether it still earns its hop since the router came
/// was not measured.
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
