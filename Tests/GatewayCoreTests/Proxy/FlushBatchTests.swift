import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayCore

/// Flushes asked for during a tick happen together once the tick's I/O is done, each channel's
/// bytes in the order they were written.
@Suite struct FlushBatchTests {
    @Test func flushesWaitForTheEndOfTheTickThenAllGoOut() throws {
        let loop = EmbeddedEventLoop()
        let batch = FlushBatch(eventLoop: loop)
        let first = EmbeddedChannel(loop: loop)
        let second = EmbeddedChannel(loop: loop)
        for (channel, text) in [(first, "one"), (second, "two")] {
            channel.write(ByteBuffer(string: text), promise: nil)
            batch.flushLater(channel)
        }
        #expect(try first.readOutbound(as: ByteBuffer.self) == nil)
        #expect(try second.readOutbound(as: ByteBuffer.self) == nil)
        loop.run()
        #expect(try first.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "one"))
        #expect(try second.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "two"))

        // The next tick batches again.
        first.write(ByteBuffer(string: "three"), promise: nil)
        batch.flushLater(first)
        loop.run()
        #expect(try first.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "three"))
        _ = try first.finish()
        _ = try second.finish()
    }
}
