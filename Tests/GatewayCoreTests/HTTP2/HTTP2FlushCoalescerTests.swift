import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayCore

/// A connection's flushes wait for the end of the tick; a close sends what is held first.
@Suite struct HTTP2FlushCoalescerTests {
    static func bytes(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static func outbound(_ channel: EmbeddedChannel) throws -> [String] {
        var out: [String] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { out.append(String(buffer: buffer)) }
        return out
    }

    @Test func flushesOnceAtTheEndOfTheTick() throws {
        let channel = EmbeddedChannel(handler: HTTP2FlushCoalescer())
        channel.write(Self.bytes("a"), promise: nil)
        channel.flush()
        channel.write(Self.bytes("b"), promise: nil)
        channel.flush()
        #expect(try Self.outbound(channel).isEmpty, "held until the tick's tasks run")
        channel.embeddedEventLoop.run()
        #expect(try Self.outbound(channel) == ["a", "b"])
        _ = try channel.finish()
    }

    @Test func aCloseSendsWhatIsHeldFirst() throws {
        let channel = EmbeddedChannel(handler: HTTP2FlushCoalescer())
        channel.write(Self.bytes("goaway"), promise: nil)
        channel.flush()
        channel.close(promise: nil)
        #expect(try Self.outbound(channel) == ["goaway"])
        channel.embeddedEventLoop.run()
        #expect(try Self.outbound(channel).isEmpty, "flushed once")
    }
}
