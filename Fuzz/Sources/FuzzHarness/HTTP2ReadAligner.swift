import NIOCore
import NIOEmbedded

@testable import GatewayCore

extension Fuzz {
    /// `HTTP2ReadAligner` against a plain walk of the whole byte stream: after every read, what
    /// NIO was handed is the stream's start, up to the last point a cut is safe at (a frame's
    /// end, inside an unpadded DATA payload or a frame over the maximum size), and what is held
    /// is one unfinished frame at most.
    ///
    /// Input: a flags byte choosing the read sizes, then the bytes after the client preface.
    public static func http2ReadAligner(_ input: UnsafeRawBufferPointer) {
        guard let seed = input.first else { return }
        let stream = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + Array(input.dropFirst())
        let channel = EmbeddedChannel(handler: HTTP2ReadAligner())
        var fed = 0
        var handed: [UInt8] = []
        var read = 0
        while fed < stream.count {
            let size = min(1 + (Int(seed) &* (read + 1) &+ read &* 31) % 97, stream.count - fed)
            read += 1
            try! channel.writeInbound(ByteBuffer(bytes: stream[fed..<(fed + size)]))
            fed += size
            while let piece = try! channel.readInbound(as: ByteBuffer.self) { handed += Array(buffer: piece) }
            let safe = lastSafeCut(stream, upTo: fed)
            precondition(handed.count == safe, "handed \(handed.count) bytes of \(fed), safe up to \(safe)")
            precondition(handed.elementsEqual(stream[..<handed.count]), "bytes handed out of order")
            precondition(fed - handed.count <= max(24, 9 + 16384), "held more than a frame")
        }
        _ = try! channel.finish()
    }

    /// The furthest offset up to `fed` where NIO's decoder may be handed the stream.
    static func lastSafeCut(_ stream: [UInt8], upTo fed: Int) -> Int {
        guard fed >= 24 else { return 0 }
        var position = 24
        while position < fed {
            guard position + 9 <= fed else { return position }
            let length = Int(stream[position]) << 16 | Int(stream[position + 1]) << 8 | Int(stream[position + 2])
            let end = position + 9 + length
            if end <= fed {
                position = end
                continue
            }
            let unpaddedData = stream[position + 3] == 0 && stream[position + 4] & 0x8 == 0
            return unpaddedData || length > 16384 ? fed : position
        }
        return position
    }
}
