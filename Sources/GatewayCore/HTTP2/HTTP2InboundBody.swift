import NIOCore

/// A stream's request body between NIO and the stream's handler.
///
/// Small DATA frames are joined (copied) into one buffer, handed on at 16 KiB, at the stream's
/// end or when the read completes; while the handler reads no more, every frame is joined and
/// counted as held. Handed on one by one, 1-byte frames each cost a held entry or an upstream
/// write (three when chunked) that pinned the read buffer they were sliced from: ~400 bytes of
/// memory per byte of window, and one connection grew the gateway by 3 GB. Frames of 4 KiB and
/// more pass through uncopied when nothing is joined before them.
struct HTTP2InboundBody {
    static let joinBelow = 4096
    static let handOnAt = 16384
    static let pieceSize = 65536

    private var joined = ByteBuffer()
    private var endsAfterJoined = false
    /// Of `joined`, the bytes at its front that were not held (joined while the handler read).
    private var notHeld = 0
    /// Flow-controlled bytes (padding too) held back from the client's windows until handed on.
    private(set) var held = 0

    /// Nothing to hand on.
    var isEmpty: Bool { joined.readableBytes == 0 && !endsAfterJoined }

    /// Worth handing on now, not at the read's end.
    var isFull: Bool { joined.readableBytes >= Self.handOnAt || endsAfterJoined }

    /// A DATA frame that may go on as it is, while the handler reads.
    func passesThrough(_ bytes: ByteBuffer) -> Bool {
        isEmpty && bytes.readableBytes >= Self.joinBelow
    }

    /// Joins a frame's bytes; `held` is its flow-controlled size when it is held from the
    /// client's windows (the handler reads no more), nil when it is only joined.
    mutating func append(_ bytes: ByteBuffer, endStream: Bool, held flowControlled: Int?) {
        if let flowControlled {
            held += flowControlled
        } else {
            notHeld += bytes.readableBytes
        }
        joined.writeImmutableBuffer(bytes)
        endsAfterJoined = endsAfterJoined || endStream
    }

    /// The next piece to hand on (64 KiB at most), whether it ends the stream, and how many held
    /// bytes it gives back to the windows (padding with the last piece).
    mutating func nextPiece() -> (bytes: ByteBuffer, endStream: Bool, released: Int)? {
        guard !isEmpty else { return nil }
        let bytes = joined.readSlice(length: min(joined.readableBytes, Self.pieceSize))!
        let fromNotHeld = min(bytes.readableBytes, notHeld)
        notHeld -= fromNotHeld
        let last = joined.readableBytes == 0
        let released = last ? held : min(bytes.readableBytes - fromNotHeld, held)
        held -= released
        var endStream = false
        if last {
            endStream = endsAfterJoined
            endsAfterJoined = false
            // Not kept for the next frames: a held upload's buffer can be megabytes.
            joined = ByteBuffer()
        }
        return (bytes, endStream, released)
    }

    /// Drops everything (the stream was reset or closed): the held bytes to give back to the
    /// connection's window.
    mutating func dropAll() -> Int {
        let released = held
        self = HTTP2InboundBody()
        return released
    }
}
