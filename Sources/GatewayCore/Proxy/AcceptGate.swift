import NIOCore
import Synchronization

/// Stops accepting above MAX_CONNECTIONS open client connections, until one closes (SPEC §10).
///
/// It withholds `read` on the server channel: new connections wait in the kernel's backlog
/// instead of being accepted and dropped.
///
/// It also closes connections from addresses banned for abuse (`AbuseBans`) as they are accepted:
/// before their options, pipeline or a handshake cost anything.
final class AcceptGate: ChannelDuplexHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never

    private let limit: Int
    private let open: OpenConnections
    private let bans: AbuseBans?
    private var readPending = false

    init(limit: Int, open: OpenConnections, bans: AbuseBans? = nil) {
        self.limit = limit
        self.open = open
        self.bans = bans
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        if let bans, bans.isEnabled, let peer = child.remoteAddress.flatMap(IPAddress.init),
            bans.isBanned(peer, now: Int64(NIODeadline.now().uptimeNanoseconds))
        {
            child.close(promise: nil)
            return
        }
        open.increment()
        let serverLoop = context.eventLoop
        let bound = NIOLoopBound(self, eventLoop: serverLoop)
        let boundContext = NIOLoopBound(context, eventLoop: serverLoop)
        let open = self.open
        child.closeFuture.whenComplete { _ in
            open.decrement()
            serverLoop.execute { bound.value.resumeIfPossible(context: boundContext.value) }
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        if open.count >= limit {
            readPending = true
        } else {
            context.read()
        }
    }

    private func resumeIfPossible(context: ChannelHandlerContext) {
        guard readPending, open.count < limit else { return }
        readPending = false
        context.read()
    }
}

/// The number of open client connections, shared by all event loops.
final class OpenConnections: Sendable {
    private let value = Atomic<Int>(0)

    var count: Int { value.load(ordering: .relaxed) }
    func increment() { value.add(1, ordering: .relaxed) }
    func decrement() { value.subtract(1, ordering: .relaxed) }
}
