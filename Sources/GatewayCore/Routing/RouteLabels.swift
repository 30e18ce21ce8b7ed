import NIOConcurrencyHelpers

/// A route's name in metrics: its pattern and service. Numbered once for the process, so each
/// loop counts requests under a small integer, and a route that survives a reload keeps its series.
public struct RouteLabel: Sendable, Hashable {
    public let pattern: String
    /// `gateway` for routes the gateway answers itself.
    public let service: String
}

/// Numbers route labels in the order they are first seen; never reuses a number.
enum RouteLabels {
    private static let state = NIOLockedValueBox<(ids: [RouteLabel: Int], labels: [RouteLabel])>(([:], []))

    static func id(_ label: RouteLabel) -> Int {
        state.withLockedValue { state in
            if let id = state.ids[label] { return id }
            state.ids[label] = state.labels.count
            state.labels.append(label)
            return state.labels.count - 1
        }
    }

    /// Every label numbered so far, indexed by id (read when metrics are flushed, not per request).
    static var all: [RouteLabel] { state.withLockedValue { $0.labels } }
}
