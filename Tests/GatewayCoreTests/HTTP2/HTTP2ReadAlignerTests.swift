import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayCore

/// Reads reach NIO's HTTP/2 decoder cut where it keeps nothing: at a frame's end or inside an
/// unpadded DATA payload; an unfinished header, control frame or padded DATA frame waits for the
/// next read, and no byte is lost or reordered.
@Suite struct HTTP2ReadAlignerTests {
    static let preface = H2Frames.preface
    static let settings = H2Frames.frame(.settings, payload: [0, 4, 0, 0, 0x10, 0])
    static let headers = H2Frames.frame(
        .headers, flags: H2Frames.endHeaders, stream: 1,
        payload: H2Frames.requestBlock(path: "/api/v1/conversations/c1"))
    static let data = H2Frames.frame(.data, stream: 1, payload: Array(repeating: 0x61, count: 100))
    /// PADDED: a pad length of 3, two bytes of data, three of padding.
    static let paddedData: [UInt8] = H2Frames.frame(.data, flags: 0x8, stream: 1, payload: [3, 0x62, 0x62, 0, 0, 0])

    /// What NIO is handed after each of `reads`, as one array per read.
    static func handed(_ reads: [[UInt8]]) throws -> [[UInt8]] {
        let channel = EmbeddedChannel(handler: HTTP2ReadAligner())
        var out: [[UInt8]] = []
        for read in reads {
            try channel.writeInbound(ByteBuffer(bytes: read))
            var bytes: [UInt8] = []
            while let piece = try channel.readInbound(as: ByteBuffer.self) { bytes += Array(buffer: piece) }
            out.append(bytes)
        }
        _ = try channel.finish()
        return out
    }

    @Test func wholeFramesPassAsTheyCome() throws {
        let reads = [Self.preface + Self.settings, Self.headers + Self.data]
        #expect(try Self.handed(reads) == reads)
    }

    @Test func anUnfinishedHeaderWaitsForTheNextRead() throws {
        let stream = Self.preface + Self.settings + Self.headers
        let cut = Self.preface.count + Self.settings.count + 4
        let handed = try Self.handed([Array(stream[..<cut]), Array(stream[cut...])])
        #expect(handed == [Array(stream[..<(cut - 4)]), Array(stream[(cut - 4)...])])
    }

    @Test func anUnfinishedControlFrameWaitsUntilItIsWhole() throws {
        let stream = Self.preface + Self.headers + Self.data
        let start = Self.preface.count
        let reads = [
            Array(stream[..<(start + 12)]), Array(stream[(start + 12)..<(start + 20)]), Array(stream[(start + 20)...]),
        ]
        #expect(try Self.handed(reads) == [Self.preface, [], Self.headers + Self.data])
    }

    @Test func anUnpaddedDataPayloadMayBeCutAnywhere() throws {
        let stream = Self.preface + Self.data
        for cut in (Self.preface.count + 9)...(stream.count) {
            let handed = try Self.handed([Array(stream[..<cut]), Array(stream[cut...])])
            #expect(handed == [Array(stream[..<cut]), Array(stream[cut...])], "cut at \(cut)")
        }
    }

    @Test func aPaddedDataFrameWaitsUntilItIsWhole() throws {
        let stream = Self.preface + Self.paddedData + Self.data
        let start = Self.preface.count
        for cut in (start + 1)..<(start + Self.paddedData.count) {
            let handed = try Self.handed([Array(stream[..<cut]), Array(stream[cut...])])
            #expect(handed == [Self.preface, Array(stream[start...])], "cut at \(cut)")
        }
    }

    @Test func thePrefaceWaitsUntilItIsWhole() throws {
        let stream = Self.preface + Self.settings
        #expect(try Self.handed([Array(stream[..<10]), Array(stream[10...])]) == [[], stream])
    }

    /// NIO refuses a frame over SETTINGS_MAX_FRAME_SIZE at its header: it is not held back.
    @Test func aFrameLongerThanTheMaximumPassesOnceItsHeaderIsWhole() throws {
        let header: [UInt8] = [0x01, 0x00, 0x00, 0x01, 0x04, 0, 0, 0, 1]  // HEADERS of 64 KiB
        let reads = [Self.preface + header + [1, 2, 3], [4, 5]]
        #expect(try Self.handed(reads) == reads)
    }

    /// Every split into three reads of a stream of each kind of frame: what NIO is handed, in
    /// order, is the stream, and after each read it ends where `HTTP2ReadCuts` says.
    @Test func everySplitHandsOnTheStreamInOrder() throws {
        let stream = Self.preface + Self.settings + Self.headers + Self.paddedData + Self.data + Self.settings
        for first in stride(from: 0, through: stream.count, by: 3) {
            for second in stride(from: first, through: stream.count, by: 7) {
                let reads = [Array(stream[..<first]), Array(stream[first..<second]), Array(stream[second...])]
                let handed = try Self.handed(reads)
                #expect(handed.flatMap { $0 } == stream, "split at \(first), \(second)")
            }
        }
    }

    /// End to end: a request whose bytes come in 37-byte pieces, one frame per body byte, is
    /// proxied whole.
    @Test func aRequestInOddPiecesIsProxiedWhole() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            let body = (0..<1000).map { UInt8(truncatingIfNeeded: $0 % 241) }
            let bytes = H2Frames.start() + H2Frames.postInOneByteFrames(body, authorization: CoreProxy.auth.1)
            for start in stride(from: 0, to: bytes.count, by: 37) {
                try await client.send(Array(bytes[start..<min(start + 37, bytes.count)]))
            }
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.body == body)
            await client.close()
        }
    }
}
