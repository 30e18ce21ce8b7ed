import NIOCore

/// Sends pipelined commands on one connection and matches replies to them in order.
///
/// Replies come back in the order commands were written, so one FIFO of waiting batches is the
/// whole bookkeeping. The timeout is a progress deadline: armed while anything waits, pushed back
/// by every reply. When it passes, or the connection breaks, every waiting batch fails and the
/// connection is closed: after a lost reply, the order that pairs replies with commands is gone
/// (valkey-swift does the same).
final class RESPChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Waiting {
        var expected: Int
        var replies: [RESPValue]
        let promise: EventLoopPromise<[RESPValue]>
    }

    private let parser: RESPParser
    private let timeout: TimeAmount
    private var waiting = CircularBuffer<Waiting>()
    private var received: ByteBuffer?
    private var context: ChannelHandlerContext?
    private var deadline: Scheduled<Void>?
    private var failure: RESPError?

    init(timeout: TimeAmount, parser: RESPParser = RESPParser()) {
        self.timeout = timeout
        self.parser = parser
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(.connectionClosed)
        self.context = nil
    }

    /// Writes `commands` in one flush; the promise gets their replies in order.
    func send(_ commands: [RESPCommand], promise: EventLoopPromise<[RESPValue]>) {
        guard let context, failure == nil, context.channel.isActive else {
            promise.fail(failure ?? .connectionClosed)
            return
        }
        guard !commands.isEmpty else {
            promise.succeed([])
            return
        }
        var out = context.channel.allocator.buffer(capacity: commands.reduce(0) { $0 + $1.encoded.readableBytes + 16 })
        for command in commands { command.write(into: &out) }
        var replies: [RESPValue] = []
        replies.reserveCapacity(commands.count)
        waiting.append(Waiting(expected: commands.count, replies: replies, promise: promise))
        if deadline == nil { armDeadline() }
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if received == nil {
            received = bytes
        } else {
            received!.writeBuffer(&bytes)
        }
        while let buffer = received {
            var rest = buffer
            let reply: RESPValue?
            do {
                reply = try parser.next(from: &rest)
            } catch {
                return fail(.protocolError(error), context: context)
            }
            guard let reply else { break }
            received = rest.readableBytes == 0 ? nil : rest
            guard !waiting.isEmpty else { return fail(.unexpectedReply, context: context) }
            waiting[waiting.startIndex].replies.append(reply)
            if waiting[waiting.startIndex].replies.count == waiting[waiting.startIndex].expected {
                let done = waiting.removeFirst()
                done.promise.succeed(done.replies)
            }
            armDeadline()
        }
        if received != nil, received!.readerIndex > 4096 { received!.discardReadBytes() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.connectionClosed, context: context)
    }

    private func armDeadline() {
        deadline?.cancel()
        deadline = nil
        guard !waiting.isEmpty, let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            let handler = loopBound.value
            handler.deadline = nil
            if let context = handler.context { handler.fail(.timeout, context: context) }
        }
    }

    private func fail(_ error: RESPError, context: ChannelHandlerContext) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: RESPError) {
        if failure == nil { failure = error }
        deadline?.cancel()
        deadline = nil
        while let next = waiting.popFirst() { next.promise.fail(error) }
    }
}
