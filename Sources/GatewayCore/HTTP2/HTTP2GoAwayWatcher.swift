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
struct HTTP2FrameBoundaries {
    /// Payload bytes of the current frame still to skip.
    private var skipping = 0
    /// The current frame's header, while incomplete.
    private var header: [UInt8] = []
    /// Set when a GOAWAY's header was seen; its error code is the payload's bytes 4..<8.
    private var goAwayPayload: [UInt8]?

    /// The error code of the first GOAWAY with one other than NO_ERROR whose code this feed
    /// completed; nil when none. Payloads other than GOAWAY's are skipped in one step, not byte
    /// by byte.
    mutating func feed(_ bytes: ByteBuffer) -> UInt32? {
        let view = bytes.readableBytesView
        var index = view.startIndex
        var found: UInt32? = nil
        while index < view.endIndex {
            if skipping > 0 {
                if goAwayPayload == nil {
                    let step = min(skipping, view.endIndex - index)
                    skipping -= step
                    index += step
                    continue
                }
                goAwayPayload!.append(view[index])
                skipping -= 1
                index += 1
                if goAwayPayload!.count == 8 {
                    let code = goAwayPayload![4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                    if found == nil && code != 0 { found = code }
                    goAwayPayload = nil
                }
                continue
            }
            header.append(view[index])
            index += 1
            guard header.count == 9 else { continue }
            skipping = Int(header[0]) << 16 | Int(header[1]) << 8 | Int(header[2])
            goAwayPayload = header[3] == 7 && skipping >= 8 ? [] : nil
            header.removeAll(keepingCapacity: true)
        }
        return found
    }
}
