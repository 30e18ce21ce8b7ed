/// Whether this gateway shares its limits right now, and what to do when that changes (SPEC §16).
///
/// A pure value driven by what the store did; `SharedLimitSync` performs the actions. Sharing
/// starts only once the store has answered a real update (not merely accepted a connection), so
/// a Redis that logs us in but refuses writes (`OOM`, `READONLY`) never counts as up. An outage
/// is logged once, however many reconnects fail during it.
struct StoreHealth: Sendable, Equatable {
    enum Action: Equatable, Sendable {
        /// Count takes and report them (true), or limit locally only (false); the gauge follows.
        case share(Bool)
        case logConnected
        case logOutage(cause: String)
        case logRecovered
    }

    private(set) var isSharing = false
    private var hasShared = false
    private var outageLogged = false

    /// The store answered an update without an error.
    mutating func storeAnswered() -> [Action] {
        guard !isSharing else { return [] }
        isSharing = true
        var actions: [Action] = [.share(true)]
        if outageLogged {
            actions.append(.logRecovered)
        } else if !hasShared {
            actions.append(.logConnected)
        }
        hasShared = true
        outageLogged = false
        return actions
    }

    /// The store could not be reached, did not answer in time, or answered an error.
    mutating func storeFailed(cause: String) -> [Action] {
        var actions: [Action] = []
        if isSharing {
            isSharing = false
            actions.append(.share(false))
        }
        if !outageLogged {
            outageLogged = true
            actions.append(.logOutage(cause: cause))
        }
        return actions
    }
}
