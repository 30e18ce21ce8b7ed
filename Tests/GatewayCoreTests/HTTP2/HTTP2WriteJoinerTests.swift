import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayCore

/// Small writes leave as one buffer at the flush, in order; a large one tops up what is held to
/// a full record and goes uncopied when nothing is held; every writer's promise completes with
/// the write that carried its (last) bytes.
@Suite struct HTTP2WriteJoinerTests {
    static func outbound(_ channel: EmbeddedChannel) throws -> [ByteBuffer] {
        var out: [ByteBuffer] = []
        while let data = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = data else {
                Issue.record("a file region")
                continue
            }
            out.append(buffer)
        }
        return out
    }

    static func write(_ channel: EmbeddedChannel, _ text: String) -> EventLoopFuture<Void> {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.write(IOData.byteBuffer(ByteBuffer(string: text)), promise: promise)
        return promise.futureResult
    }

    @Test func smallWritesLeaveAsOneBufferAtTheFlush() throws {
        let channel = EmbeddedChannel(handler: HTTP2WriteJoiner())
        let written = ["headers", "data header", "payload"].map { Self.write(channel, $0) }
        #expect(try Self.outbound(channel).isEmpty, "held until the flush")
        channel.flush()
        #expect(try Self.outbound(channel).map { String(buffer: $0) } == ["headersdata headerpayload"])
        for future in written { try future.wait() }
        #expect(try channel.finish().isClean)
    }

    @Test func aLargeWriteWithNothingHeldGoesAsItIs() throws {
        let channel = EmbeddedChannel(handler: HTTP2WriteJoiner())
        let large = String(repeating: "x", count: HTTP2WriteJoiner.joinLimit + 1)
        let largeWritten = Self.write(channel, large)
        _ = Self.write(channel, "next")
        channel.flush()
        #expect(try Self.outbound(channel).map { String(buffer: $0) } == [large, "next"])
        try largeWritten.wait()
        #expect(try channel.finish().isClean)
    }

    /// A download's frames: a 9-byte header, then 16 KiB of payload, each a write of NIO's.
    @Test func dataFramesLeaveInFullRecords() throws {
        let channel = EmbeddedChannel(handler: HTTP2WriteJoiner())
        var sent = ""
        var written: [EventLoopFuture<Void>] = []
        for frame in 0..<3 {
            let header = String(repeating: "h", count: 9)
            let payload = String(repeating: Character(String(frame)), count: HTTP2WriteJoiner.recordSize)
            written += [Self.write(channel, header), Self.write(channel, payload)]
            sent += header + payload
        }
        channel.flush()
        let out = try Self.outbound(channel)
        #expect(out.map(\.readableBytes) == [16384, 16384, 16384, 27])
        #expect(out.map { String(buffer: $0) }.joined() == sent)
        for future in written { try future.wait() }
        #expect(try channel.finish().isClean)
    }

    @Test func aLargeWriteThatFitsIsCopiedWhole() throws {
        let channel = EmbeddedChannel(handler: HTTP2WriteJoiner())
        let large = String(repeating: "x", count: HTTP2WriteJoiner.joinLimit + 1)
        _ = Self.write(channel, "header")
        let largeWritten = Self.write(channel, large)
        _ = Self.write(channel, "next")
        channel.flush()
        #expect(try Self.outbound(channel).map { String(buffer: $0) } == ["header" + large + "next"])
        try largeWritten.wait()
        #expect(try channel.finish().isClean)
    }

    @Test func noBufferOutgrowsATLSRecord() throws {
        let channel = EmbeddedChannel(handler: HTTP2WriteJoiner())
        let piece = String(repeating: "y", count: 1000)
        for _ in 0..<40 { _ = Self.write(channel, piece) }
        channel.flush()
        let out = try Self.outbound(channel)
        #expect(out.map(\.readableBytes).reduce(0, +) == 40_000)
        #expect(out.allSatisfy { $0.readableBytes <= HTTP2WriteJoiner.recordSize })
        #expect(out.count == 3, "16 + 16 + 8 pieces")
        #expect(try channel.finish().isClean)
    }

    @Test func aCloseSendsWhatIsHeldFirst() throws {
        let channel = EmbeddedChannel(handler: HTTP2WriteJoiner())
        let written = Self.write(channel, "goaway")
        channel.close(promise: nil)
        #expect(try Self.outbound(channel).map { String(buffer: $0) } == ["goaway"])
        try written.wait()
    }
}
