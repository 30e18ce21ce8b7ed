import NIOHTTP1

extension Fuzz {
    /// A body after a fixed head (chunked, or a Content-Length the first byte gives), parsed in
    /// one read, split in two at every byte boundary, and one byte at a time: every way must
    /// give the same body, ends and verdict.
    public static func chunkedBody(_ input: UnsafeRawBufferPointer) {
        guard let flags = input.first, input.count <= 1024 else { return }
        let head =
            flags & 0x80 == 0
            ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            : "HTTP/1.1 200 OK\r\nContent-Length: \(flags & 0x7F)\r\n\r\n"
        let bytes = Array(head.utf8) + Array(input.dropFirst())
        let whole = ParsedUpstream.run([bytes[...]], method: .GET)
        let expected = (whole.summary, whole.failed)
        func same(_ reads: [ArraySlice<UInt8>], _ how: String) {
            let parsed = ParsedUpstream.run(reads, method: .GET)
            require(
                parsed.summary == expected.0 && parsed.failed == expected.1,
                "\(how): \(parsed.summary) failed=\(parsed.failed), in one read \(expected.0) failed=\(expected.1)")
        }
        for cut in 1..<bytes.count {
            same([bytes[..<cut], bytes[cut...]], "split at \(cut)")
        }
        same(bytes.indices.map { bytes[$0...$0] }, "byte by byte")
    }
}
