import NIOCore

/// The bytes a parser left unread at the end of a read (part of a head, of a chunk line), kept
/// until the next read completes them: the cumulation buffer of NIO's `ByteToMessageHandler`.
struct UnparsedBytes {
    private var rest: ByteBuffer?

    /// What was left, followed by `incoming`; `incoming` itself, uncopied, when nothing was.
    mutating func adding(_ incoming: ByteBuffer) -> ByteBuffer {
        guard var buffer = rest else { return incoming }
        rest = nil
        // Bytes already parsed go first, or a peer that never ends a read on a message boundary
        // (pipelining) would grow the buffer for ever.
        buffer.discardReadBytes()
        buffer.writeImmutableBuffer(incoming)
        return buffer
    }

    /// Keeps what `buffer` has not read for the next call of `adding`.
    mutating func keep(_ buffer: ByteBuffer) {
        rest = buffer.readableBytes > 0 ? buffer : nil
    }

    /// What is left, the holder emptied (at the end of the stream).
    mutating func takeAll() -> ByteBuffer {
        defer { rest = nil }
        return rest ?? ByteBuffer()
    }
}
