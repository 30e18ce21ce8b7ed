import NIOCore

/// Hands NIO's HTTP/2 handler each read cut where its frame decoder keeps nothing it has read.
///
/// swift-nio-http2's decoder appends a read to the bytes it holds and resets its buffer only
/// when a read leaves it empty. A read that ends inside a frame header, a control frame or a
/// DATA frame's padding leaves it holding bytes, and the next read grows the buffer by its
/// whole size: a client whose reads always end so (1-byte DATA frames sent 5 bytes out of
/// step) grew the gateway by all it sent, ~1 GB per GB. Here such a read's last, unfinished
/// frame is held back (copied: a frame, 16 KiB at most) and goes to NIO ahead of the next read.
/// Inside an unpadded DATA frame's payload any cut is fine: NIO hands on the bytes it has.
final class HTTP2ReadAligner: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var cuts = HTTP2ReadCuts()
    /// The unfinished frame's bytes so far: from its start to the last read's end.
    private var held: ByteBuffer?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        let start = cuts.offset
        let cut = cuts.feed(bytes)
        if var earlier = held {
            // Unshared, so a frame that comes a byte per read is appended to, not copied each time.
            held = nil
            guard cut > start else {
                // Still inside the held frame.
                earlier.writeBuffer(&bytes)
                held = earlier
                return
            }
            context.fireChannelRead(wrapInboundOut(earlier))
        }
        let handed = cut - start
        if handed < bytes.readableBytes {
            var rest = context.channel.allocator.buffer(capacity: bytes.readableBytes - handed)
            rest.writeImmutableBuffer(
                bytes.getSlice(at: bytes.readerIndex + handed, length: bytes.readableBytes - handed)!)
            held = rest
            bytes = bytes.getSlice(at: bytes.readerIndex, length: handed)!
        }
        if handed > 0 { context.fireChannelRead(wrapInboundOut(bytes)) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        held = nil
        context.fireChannelInactive()
    }
}

/// Where a client's HTTP/2 byte stream (RFC 9113 §3.4 preface, then §4.1 frames) may be cut for
/// NIO's decoder: at a frame's end, inside an unpadded DATA payload, or anywhere in a frame
/// longer than SETTINGS_MAX_FRAME_SIZE (NIO refuses it at its header). Fed in pieces of any
/// size; payloads are skipped in one step.
struct HTTP2ReadCuts {
    static let prefaceLength = 24
    static let headerLength = 9
    /// The gateway's SETTINGS_MAX_FRAME_SIZE (NIO's default, never raised).
    static let maxFrameSize = 16384

    /// Bytes fed so far.
    private(set) var offset = 0
    /// Where the unfinished frame (or the preface) started.
    private var frameStart = 0
    private var prefaceLeft = prefaceLength
    private var headerRead = 0
    private var length = 0
    private var type: UInt8 = 0
    private var payloadLeft = 0
    /// The current frame's payload may be cut anywhere.
    private var cuttable = false

    /// Feeds the next bytes; returns the offset up to which all bytes fed may go on now.
    mutating func feed(_ bytes: ByteBuffer) -> Int {
        bytes.withUnsafeReadableBytes { raw in
            var index = 0
            while index < raw.count {
                if prefaceLeft > 0 {
                    let step = min(prefaceLeft, raw.count - index)
                    prefaceLeft -= step
                    index += step
                    if prefaceLeft == 0 { frameStart = offset + index }
                } else if headerRead < Self.headerLength {
                    let byte = raw[index]
                    index += 1
                    headerRead += 1
                    switch headerRead {
                    case 1...3: length = length << 8 | Int(byte)
                    case 4: type = byte
                    case 5:
                        // DATA (0) without PADDED (0x8): NIO streams its payload as it comes.
                        cuttable = (type == 0 && byte & 0x8 == 0) || length > Self.maxFrameSize
                    case Self.headerLength:
                        payloadLeft = length
                        length = 0
                        if payloadLeft == 0 { endFrame(at: offset + index) }
                    default: break
                    }
                } else {
                    let step = min(payloadLeft, raw.count - index)
                    payloadLeft -= step
                    index += step
                    if payloadLeft == 0 { endFrame(at: offset + index) }
                }
            }
            offset += raw.count
        }
        let inPayload = prefaceLeft == 0 && headerRead == Self.headerLength
        let atBoundary = prefaceLeft == 0 && headerRead == 0
        return atBoundary || (inPayload && cuttable) ? offset : frameStart
    }

    private mutating func endFrame(at position: Int) {
        headerRead = 0
        frameStart = position
    }
}
