/// HTTP/2 receive windows (SPEC §17: one 64 MiB transfer over one stream no slower than over
/// HTTP/1.1). An upload moves at most a stream's window per round trip, where TCP's own window
/// grows to several MiB: on a 20 ms path at ~250 MiB/s (`scripts/bench-rtt.sh`) a 64 MiB upload
/// took 7× HTTP/1.1's time with 1 MiB, 1.25× with 8 MiB, the same with 16 MiB. Bytes held for a
/// slow upstream stay within the windows: the connection's bounds what one connection can make
/// the gateway hold, and is twice a stream's so that one stalled upload does not stop the others.
public struct HTTP2Windows: Sendable {
    public var stream = 16 << 20
    public var connection = 32 << 20

    public init() {}
}
