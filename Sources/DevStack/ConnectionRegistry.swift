import NIOConcurrencyHelpers
import NIOCore

/// The open client connections of all stand-ins, so `shutdown()` can end a running SSE
/// stream instead of leaving it to tick on a loop the caller is about to stop.
final class ConnectionRegistry: Sendable {
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    /// Tracks `channel` until it closes.
    func register(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels.withLockedValue { $0[key] = channel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = channels.withLockedValue { $0.removeValue(forKey: key) }
        }
    }

    /// Closes every connection still open and waits for each to finish closing.
    func closeAll() async {
        let open = channels.withLockedValue { Array($0.values) }
        for channel in open {
            try? await channel.close()
        }
    }
}
