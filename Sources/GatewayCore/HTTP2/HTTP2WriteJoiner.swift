import NIOCore

/// Joins an HTTP/2 connection's writes into TLS records of up to 16 KiB.
///
/// NIO writes every frame header as a buffer of its own and a DATA frame's payload as another,
/// and NIOSSL seals each buffer it is given as a TLS record of its own: a small response was
/// three records (HEADERS, the DATA header, its payload), each an `SSL_write` and an AEAD seal,
/// ~10k instructions per proxied GET (callgrind, one connection × 100 streams), and a download
/// sent a 9-byte record before every 16 KiB one, so the client opened twice as many. Writes up
/// to `joinLimit` are copied into one buffer until the flush; a larger one (a DATA payload)
/// tops up what is held to a full record, and its rest goes uncopied. Records then leave full,
/// as nginx sends them: the client opens half as many for a download (curl's 64 MiB took 10%
/// less time), and the copy costs the gateway about what the second record did (64 KiB bodies
/// over h2load: +2–4% CPU).
final class HTTP2WriteJoiner: ChannelDuplexHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// Writes up to this size are copied into the held buffer.
    static let joinLimit = 2048
    /// A TLS record's largest plaintext: a held buffer goes down once it would grow past it.
    static let recordSize = 16384

    private var held: ByteBuffer?
    private var promises: [EventLoopPromise<Void>] = []
    private var isActive = true

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard isActive, case .byteBuffer(var bytes) = unwrapOutboundIn(data) else {
            release(context)
            context.write(data, promise: promise)
            return
        }
        if bytes.readableBytes > Self.joinLimit {
            guard let count = held?.readableBytes else {
                context.write(data, promise: promise)
                return
            }
            // What is held (a DATA frame's header) fills up from the large write instead of
            // leaving as a small record of its own; the rest of it is held or goes as it is.
            var front = bytes.readSlice(length: min(Self.recordSize - count, bytes.readableBytes))!
            held!.writeBuffer(&front)
            guard bytes.readableBytes > 0 else {
                if let promise { promises.append(promise) }
                return
            }
            release(context)
            guard bytes.readableBytes <= Self.joinLimit else {
                context.write(wrapOutboundOut(.byteBuffer(bytes)), promise: promise)
                return
            }
        } else if let count = held?.readableBytes, count + bytes.readableBytes > Self.recordSize {
            release(context)
        }
        if held == nil { held = context.channel.allocator.buffer(capacity: Self.recordSize) }
        held!.writeBuffer(&bytes)
        if let promise { promises.append(promise) }
    }

    func flush(context: ChannelHandlerContext) {
        release(context)
        context.flush()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if held != nil {
            release(context)
            context.flush()
        }
        context.close(mode: mode, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        isActive = false
        release(context)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        held = nil
        let failed = promises
        promises = []
        for promise in failed { promise.fail(ChannelError.ioOnClosedChannel) }
    }

    /// Writes what is held, its writers' promises completed with that one write.
    private func release(_ context: ChannelHandlerContext) {
        guard let buffer = held else { return }
        held = nil
        let waiting = promises
        promises.removeAll(keepingCapacity: true)
        switch waiting.count {
        case 0:
            context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: nil)
        case 1:
            context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: waiting[0])
        default:
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.assumeIsolated().whenComplete { result in
                for promise in waiting { promise.completeWith(result) }
            }
            context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: written)
        }
    }
}
