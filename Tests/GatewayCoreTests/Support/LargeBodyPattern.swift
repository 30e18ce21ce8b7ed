import Crypto
import NIOCore

/// The deterministic bytes of `UpstreamPlan.largeBody`: byte `i` is `i % 251`. The odd
/// period means no two 64 KiB blocks are alike, so a dropped, repeated or reordered
/// block changes the digest.
enum LargeBodyPattern {
    static let period = 251
    static let blockSize = 64 * 1024
    /// One block plus a period, so any block-sized window is a zero-copy slice of it.
    private static let source = ByteBuffer(bytes: (0..<(blockSize + period)).map { UInt8($0 % period) })

    /// Bytes `offset ..< offset + length` of the pattern; `length` at most `blockSize`.
    static func slice(offset: Int, length: Int) -> ByteBuffer {
        precondition(length <= blockSize)
        return source.getSlice(at: offset % period, length: length)!
    }

    static func bytes(offset: Int, length: Int) -> [UInt8] {
        (offset..<(offset + length)).map { UInt8($0 % period) }
    }

    /// Lower-case hex SHA-256 of the first `size` bytes of the pattern.
    static func sha256(size: Int) -> String {
        var hasher = SHA256()
        var offset = 0
        while offset < size {
            let length = min(blockSize, size - offset)
            slice(offset: offset, length: length).withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            offset += length
        }
        return hasher.finalize().hexString
    }
}
