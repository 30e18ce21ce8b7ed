import NIOCore

/// Everything a `TestUpstream` has seen, shared by its connections and awaited by tests.
struct UpstreamLedger: Sendable {
    var requests: [RecordedRequest] = []
    var connectionsAccepted = 0
    var connectionsClosed = 0
    /// Open connections, closed by `shutdown()`.
    var open: [ObjectIdentifier: any Channel] = [:]
}

/// The state a `TestUpstream`'s connection handlers share with the test.
final class UpstreamCore: Sendable {
    typealias Handler = @Sendable (RecordedRequest) async -> UpstreamPlan

    let ledger = AwaitableState(UpstreamLedger())
    let retainLimit: Int
    private let handlerBox: AwaitableState<Handler>

    init(retainLimit: Int, handler: @escaping Handler) {
        self.retainLimit = retainLimit
        handlerBox = AwaitableState(handler)
    }

    var handler: Handler {
        get { handlerBox.value }
        set { handlerBox.update { [newValue] in $0 = newValue } }
    }

    /// Counts `channel` and tracks it until it closes; returns its 1-based number.
    func accept(_ channel: any Channel) -> Int {
        let key = ObjectIdentifier(channel)
        let number = ledger.update { ledger in
            ledger.connectionsAccepted += 1
            ledger.open[key] = channel
            return ledger.connectionsAccepted
        }
        channel.closeFuture.whenComplete { _ in
            self.ledger.update { ledger in
                ledger.connectionsClosed += 1
                ledger.open[key] = nil
            }
        }
        return number
    }

    func record(_ request: RecordedRequest) {
        ledger.update { $0.requests.append(request) }
    }
}
