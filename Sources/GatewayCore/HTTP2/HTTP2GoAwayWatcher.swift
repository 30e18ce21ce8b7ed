import NIOCore

/// Sits under NIO's HTTP/2 handler and watches the frames it writes: once a GOAWAY with an error
/// code has gone out (NIO's answer to a connection error: a flood, a rapid reset, a protocol
/// violation), the connection is closed. NIO sends that GOAWAY but leaves the socket open; its
/// errors alone do not tell a connection error from a stream error, the frame does. A graceful
/// GOAWAY (NO_ERROR, at shutdown) is left to the connection manager.
///
/// ENHANCE_YOUR_CALM is the code of abuse (NIO's flood and reset limits, and the gateway's own
/// progress rule): `abused` is then called (the connection's owner bans the address, see
/// `AbuseBans`). A protocol error may be a client's bug and only ends its connection.
final class HTTP2GoAwayWatcher: ChannelOutboundHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    static let enhanceYourCalm: UInt32 = 0x0b

    private var frames = HTTP2FrameBoundaries()
    private let abused: (() -> Void)?

    init(abused: (() -> Void)? = nil) {
        self.abused = abused
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .byteBuffer(let bytes) = unwrapOutboundIn(data), let code = frames.feed(bytes) else {
            context.write(data, promise: promise)
            return
        }
        if code == Self.enhanceYourCalm { abused?() }
        context.write(data, promise: promise)
        context.flush()
        context.close(promise: nil)
    }
}

/// Frame boundaries in a stream of HTTP/2 frames (RFC 9113 §4.1), fed in pieces of any size.
/// Read in place, no array per header: it sees every byte the connection writes.
struct HTTP2FrameBoundaries {
    /// Payload bytes of the current frame still to skip.
    private var skipping = 0
    /// How many bytes of the current frame's 9-byte header were read.
    private var headerRead = 0
    /// The current frame's payload length, from its header's first three bytes.
    private var length = 0
    /// While in a GOAWAY's payload: how many of its first 8 bytes were read (its error code is
    /// bytes 4..<8); nil in other frames.
    private var goAwayRead: Int?
    private var code: UInt32 = 0

    /// The error code of the first GOAWAY with one other than NO_ERROR whose code this feed
    /// completed; nil when none. Payloads other than GOAWAY's are skipped in one step, not byte
    /// by byte.
    mutating func feed(_ bytes: ByteBuffer) -> UInt32? {
        bytes.withUnsafeReadableBytes { raw in
            var index = 0
            var found: UInt32? = nil
            while index < raw.count {
                if skipping > 0 {
                    guard let read = goAwayRead else {
                        let step = min(skipping, raw.count - index)
                        skipping -= step
                        index += step
                        continue
                    }
                    if read >= 4 { code = code << 8 | UInt32(raw[index]) }
                    skipping -= 1
                    index += 1
                    goAwayRead = read + 1
                    if read + 1 == 8 {
                        if found == nil && code != 0 { found = code }
                        goAwayRead = nil
                    }
                    continue
                }
                let byte = raw[index]
                index += 1
                headerRead += 1
                switch headerRead {
                case 1...3:
                    length = length << 8 | Int(byte)
                case 4:
                    goAwayRead = byte == 7 && length >= 8 ? 0 : nil
                    code = 0
                case 9:
                    skipping = length
                    length = 0
                    headerRead = 0
                default:
                    break
                }
            }
            return found
        }
    }
}
