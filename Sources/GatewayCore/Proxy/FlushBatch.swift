import NIOCore

/// Flushes that wait for the end of the event-loop tick.
///
/// A tick handles every socket epoll reported; flushing each request and response as it is made
/// wakes the peer process once per message. Flushed together at the end of the tick, the
/// upstream and the client are woken once per batch: on one core under load that was a tenth of
/// the gateway's CPU spent in wake-ups (perf: `sock_def_readable`). Tasks queued with `execute`
/// run after the tick's I/O and before the next wait, so a message waits at most one tick.
///
/// It keeps the writing handler's context, not the channel: a flush then starts there instead of
/// passing the pipeline's tail and that handler first.
final class FlushBatch {
    private let eventLoop: any EventLoop
    private var pending: [ChannelHandlerContext] = []
    private var spare: [ChannelHandlerContext] = []
    private var scheduled = false

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        pending.reserveCapacity(64)
        spare.reserveCapacity(64)
    }

    func flushLater(_ context: ChannelHandlerContext) {
        pending.append(context)
        guard !scheduled else { return }
        scheduled = true
        eventLoop.assumeIsolated().execute { self.flushAll() }
    }

    private func flushAll() {
        scheduled = false
        swap(&pending, &spare)
        for context in spare { context.flush() }
        spare.removeAll(keepingCapacity: true)
    }
}
