import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayCore

/// Flushes asked for during a tick happen together once the tick's I/O is done, each channel's
/// bytes in the order they were written.
@Suite struct FlushBatchTests {
    /// The handler whose context a flush starts from, as `ClientHandler`'s or `UpstreamHandler`'s.
    final class Writer: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
    }

    static func context(_ channel: EmbeddedChannel) throws -> ChannelHandlerContext {
        try channel.pipeline.syncOperations.context(handlerType: Writer.self)
    }

    @Test func flushesWaitForTheEndOfTheTickThenAllGoOut() throws {
        let loop = EmbeddedEventLoop()
        let batch = FlushBatch(eventLoop: loop)
        let first = EmbeddedChannel(handler: Writer(), loop: loop)
        let second = EmbeddedChannel(handler: Writer(), loop: loop)
        for (channel, text) in [(first, "one"), (second, "two")] {
            channel.write(ByteBuffer(string: text), promise: nil)
            batch.flushLater(try Self.context(channel))
        }
        #expect(try first.readOutbound(as: ByteBuffer.self) == nil)
        #expect(try second.readOutbound(as: ByteBuffer.self) == nil)
        loop.run()
        #expect(try first.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "one"))
        #expect(try second.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "two"))

        // The next tick batches again.
        first.write(ByteBuffer(string: "three"), promise: nil)
        batch.flushLater(try Self.context(first))
        loop.run()
        #expect(try first.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "three"))
        _ = try first.finish()
        _ = try second.finish()
    }
}
