/// Bytes as one socket read (or one decoded body piece) delivered them, with the
/// instant they arrived, so tests can tell streamed output from buffered output.
struct ReceivedBytes: Sendable {
    var bytes: [UInt8]
    var arrival: ContinuousClock.Instant

    var string: String { String(decoding: bytes, as: UTF8.self) }
}
