import NIOCore
import Testing

@testable import GatewayCore

/// A stream's request body on its way to the handler (`HTTP2InboundBody`) and the receive
/// windows given back as it goes (`HTTP2InboundWindow`).
@Suite struct HTTP2InboundFlowTests {
    static func bytes(_ count: Int, _ value: UInt8 = 0x61) -> ByteBuffer {
        ByteBuffer(repeating: value, count: count)
    }

    /// Every piece `body` hands on, with its END_STREAM flag and the held bytes it gives back.
    static func drain(_ body: inout HTTP2InboundBody) -> [(count: Int, endStream: Bool, released: Int)] {
        var pieces: [(Int, Bool, Int)] = []
        while let piece = body.nextPiece() {
            pieces.append((piece.bytes.readableBytes, piece.endStream, piece.released))
        }
        return pieces
    }

    @Test func largeFramesPassThroughWhenNothingIsJoined() {
        var body = HTTP2InboundBody()
        #expect(body.passesThrough(Self.bytes(HTTP2InboundBody.joinBelow)))
        #expect(!body.passesThrough(Self.bytes(HTTP2InboundBody.joinBelow - 1)))
        body.append(Self.bytes(1), endStream: false, held: nil)
        #expect(!body.passesThrough(Self.bytes(16384)), "after a joined byte, order keeps it joined too")
    }

    @Test func smallFramesAreJoinedInOrderAndHandedOnWhole() {
        var body = HTTP2InboundBody()
        for value in UInt8(0)..<100 { body.append(Self.bytes(1, value), endStream: false, held: nil) }
        #expect(!body.isFull)
        let piece = body.nextPiece()
        #expect(piece?.bytes == ByteBuffer(bytes: Array(0..<100)))
        #expect(piece?.endStream == false)
        #expect(piece?.released == 0)
        #expect(body.isEmpty)
        #expect(body.nextPiece() == nil)
    }

    @Test func joinedBytesAreFullAt16KiBOrAtTheStreamsEnd() {
        var body = HTTP2InboundBody()
        body.append(Self.bytes(HTTP2InboundBody.handOnAt - 1), endStream: false, held: nil)
        #expect(!body.isFull)
        body.append(Self.bytes(1), endStream: false, held: nil)
        #expect(body.isFull)
        var ending = HTTP2InboundBody()
        ending.append(Self.bytes(0), endStream: true, held: nil)
        #expect(ending.isFull)
        #expect(Self.drain(&ending).map { "\($0.count) \($0.endStream)" } == ["0 true"])
    }

    /// Held bytes (padding included) go back to the windows with the pieces that carry them,
    /// not with the bytes joined before the handler paused.
    @Test func heldBytesAreReleasedWithThePiecesThatCarryThem() {
        var body = HTTP2InboundBody()
        body.append(Self.bytes(1000), endStream: false, held: nil)
        // 100 KiB held in two frames, the second with 10 bytes of padding (and its length byte).
        body.append(Self.bytes(50 * 1024), endStream: false, held: 50 * 1024)
        body.append(Self.bytes(50 * 1024), endStream: true, held: 50 * 1024 + 11)
        #expect(body.held == 100 * 1024 + 11)
        let pieces = Self.drain(&body)
        #expect(pieces.map(\.count) == [65536, 1000 + 100 * 1024 - 65536])
        #expect(pieces.map(\.endStream) == [false, true])
        #expect(pieces.map(\.released) == [65536 - 1000, 100 * 1024 + 11 - (65536 - 1000)])
        #expect(body.held == 0)
    }

    @Test func droppingGivesBackWhatWasHeld() {
        var body = HTTP2InboundBody()
        body.append(Self.bytes(10), endStream: false, held: nil)
        body.append(Self.bytes(300), endStream: false, held: 301)
        #expect(body.dropAll() == 301)
        #expect(body.isEmpty)
        #expect(body.held == 0)
    }

    /// Given back once a quarter of the target is used, all of it; held bytes are not.
    @Test func theWindowIsGivenBackAtAQuarter() {
        var window = HTTP2InboundWindow(target: 1000)
        #expect(window.changed(to: 751) == nil)
        #expect(window.changed(to: 750) == 250)
        #expect(window.changed(to: 1000) == nil)
        // 650 more arrive, 400 of them held: the 250 handed on go back.
        window.hold(400)
        #expect(window.changed(to: 350) == 250)
        #expect(window.changed(to: 600) == nil)
        #expect(window.release(100) == nil, "100 handed on: under a quarter")
        #expect(window.release(300) == 400)
        #expect(window.changed(to: -10) == 1010, "a window SETTINGS made negative is refilled")
    }

    /// The connection starts at 64 KiB and is opened to its target at once.
    @Test func theConnectionsFirstWindowIsOpenedWhole() {
        let target = HTTP2Windows().connection
        var window = HTTP2InboundWindow(target: target)
        #expect(window.changed(to: 65_535) == target - 65_535)
    }
}
