public import NIOCore

/// Delays between reconnect attempts: doubling from `initial` up to `maximum`, back to `initial`
/// once the server has answered cleanly (not merely accepted a connection, so a server that
/// logs in but refuses every command is not hammered).
public struct ReconnectBackoff: Sendable, Equatable {
    public let initial: TimeAmount
    public let maximum: TimeAmount
    private var current: TimeAmount

    public init(initial: TimeAmount, maximum: TimeAmount) {
        self.initial = initial
        self.maximum = maximum
        self.current = initial
    }

    /// The delay before the next attempt.
    public mutating func next() -> TimeAmount {
        defer { current = min(.nanoseconds(current.nanoseconds * 2), maximum) }
        return min(current, maximum)
    }

    public mutating func reset() { current = initial }
}
