import NIOCore

extension ByteBuffer {
    /// Up to `limit` of the readable bytes as a slice (no copy): the part of a body one read
    /// holds. Nil when nothing is readable.
    mutating func readBodySlice(upTo limit: Int) -> ByteBuffer? {
        guard readableBytes > 0 else { return nil }
        return readSlice(length: Swift.min(limit, readableBytes))
    }
}
