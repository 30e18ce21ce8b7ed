import NIOCore
import RESP

extension Fuzz {
    /// Redis replies as a server might send them: read as one buffer, split in two at every byte
    /// boundary, and one byte at a time (as the client's handler accumulates reads), every way
    /// must give the same replies and the same error. Every reply re-encoded parses back to itself.
    public static func respReplies(_ input: UnsafeRawBufferPointer) {
        guard input.count <= 2048 else { return }
        var limits = RESPParser.Limits()
        limits.maxDepth = 4
        limits.maxArrayCount = 64
        limits.maxBulkBytes = 1024
        limits.maxLineBytes = 256
        let parser = RESPParser(limits: limits)
        let bytes = Array(input)
        let whole = replies(parser, [bytes[...]])
        func same(_ reads: [ArraySlice<UInt8>], _ how: String) {
            let got = replies(parser, reads)
            require(
                got.values == whole.values && got.error == whole.error,
                "\(how): \(got.values.count) replies, error \(String(describing: got.error)); in one read \(whole.values.count), error \(String(describing: whole.error))"
            )
        }
        for cut in 1..<max(1, bytes.count) {
            same([bytes[..<cut], bytes[cut...]], "split at \(cut)")
        }
        same(bytes.indices.map { bytes[$0...$0] }, "byte by byte")
        for value in whole.values {
            var encoded = ByteBuffer()
            encode(value, into: &encoded)
            let again = try? RESPParser().next(from: &encoded)
            require(again == value && encoded.readableBytes == 0, "re-encoded reply parses differently: \(value)")
        }
    }

    /// Feeds `reads` one after another, taking every whole reply after each, as the handler does.
    private static func replies(_ parser: RESPParser, _ reads: [ArraySlice<UInt8>]) -> (
        values: [RESPValue], error: RESPParser.ProtocolError?
    ) {
        var buffer = ByteBuffer()
        var values: [RESPValue] = []
        for read in reads {
            buffer.writeBytes(read)
            do {
                while let value = try parser.next(from: &buffer) { values.append(value) }
            } catch {
                return (values, error)
            }
        }
        return (values, nil)
    }

    private static func encode(_ value: RESPValue, into out: inout ByteBuffer) {
        switch value {
        case .simpleString(let bytes), .error(let bytes):
            out.writeString(value.errorMessage == nil ? "+" : "-")
            out.writeImmutableBuffer(bytes)
            out.writeString("\r\n")
        case .integer(let n):
            out.writeString(":\(n)\r\n")
        case .bulkString(let bytes):
            out.writeString("$\(bytes.readableBytes)\r\n")
            out.writeImmutableBuffer(bytes)
            out.writeString("\r\n")
        case .null:
            out.writeString("$-1\r\n")
        case .array(let elements):
            out.writeString("*\(elements.count)\r\n")
            for element in elements { encode(element, into: &out) }
        }
    }
}
