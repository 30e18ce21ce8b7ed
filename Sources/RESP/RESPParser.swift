public import NIOCore

/// Reads RESP2 replies from bytes as they arrive, refusing anything a Redis server would not send.
///
/// A pure value: `next(from:)` either consumes one whole reply or leaves the buffer untouched
/// and answers nil (wait for more bytes). A reply is re-read from its start when it arrives in
/// several reads; the gateway's replies are a few hundred bytes, so that costs less than keeping
/// a resumable stack. Limits bound what a broken or hostile server can make the client hold.
public struct RESPParser: Sendable {
    public struct Limits: Sendable {
        /// Largest bulk string (Redis allows 512 MiB; nothing the gateway asks for is near 1 MiB).
        public var maxBulkBytes = 16 << 20
        public var maxArrayCount = 1 << 20
        public var maxDepth = 16
        /// Longest simple string, error or integer line.
        public var maxLineBytes = 64 << 10

        public init() {}
    }

    public enum ProtocolError: Error, Equatable, Sendable {
        case unknownType(UInt8)
        case badNumber
        case badLineEnd
        case lineTooLong
        case bulkTooLarge
        case arrayTooLarge
        case tooDeep
    }

    public let limits: Limits

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Consumes and returns one whole reply from `buffer`, or returns nil (consuming nothing)
    /// when the buffer does not hold one yet.
    public func next(from buffer: inout ByteBuffer) throws(ProtocolError) -> RESPValue? {
        var cursor = Cursor(buffer: buffer)
        guard let value = try value(&cursor, depth: 0) else { return nil }
        buffer.moveReaderIndex(to: cursor.index)
        return value
    }

    private struct Cursor {
        let buffer: ByteBuffer
        var index: Int
        var end: Int { buffer.writerIndex }

        init(buffer: ByteBuffer) {
            self.buffer = buffer
            self.index = buffer.readerIndex
        }

        func byte(at position: Int) -> UInt8 { buffer.getInteger(at: position, as: UInt8.self)! }
    }

    private func value(_ cursor: inout Cursor, depth: Int) throws(ProtocolError) -> RESPValue? {
        guard depth <= limits.maxDepth else { throw .tooDeep }
        guard cursor.index < cursor.end else { return nil }
        let type = cursor.byte(at: cursor.index)
        var afterType = cursor
        afterType.index += 1
        switch type {
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let line = try line(&afterType) else { return nil }
            cursor = afterType
            let bytes = cursor.buffer.getSlice(at: line.lowerBound, length: line.count)!
            return type == UInt8(ascii: "+") ? .simpleString(bytes) : .error(bytes)
        case UInt8(ascii: ":"):
            guard let n = try number(&afterType) else { return nil }
            cursor = afterType
            return .integer(n)
        case UInt8(ascii: "$"):
            guard let length = try number(&afterType) else { return nil }
            if length == -1 {
                cursor = afterType
                return .null
            }
            guard length >= 0 else { throw .badNumber }
            guard length <= limits.maxBulkBytes else { throw .bulkTooLarge }
            let count = Int(length)
            guard afterType.end - afterType.index >= count + 2 else { return nil }
            guard afterType.byte(at: afterType.index + count) == UInt8(ascii: "\r"),
                afterType.byte(at: afterType.index + count + 1) == UInt8(ascii: "\n")
            else { throw .badLineEnd }
            let bytes = afterType.buffer.getSlice(at: afterType.index, length: count)!
            afterType.index += count + 2
            cursor = afterType
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            guard let count = try number(&afterType) else { return nil }
            if count == -1 {
                cursor = afterType
                return .null
            }
            guard count >= 0 else { throw .badNumber }
            guard count <= limits.maxArrayCount else { throw .arrayTooLarge }
            var elements: [RESPValue] = []
            // Reserve only what the bytes present could hold: a header may claim a million.
            elements.reserveCapacity(min(Int(count), (afterType.end - afterType.index) / 3))
            for _ in 0..<count {
                guard let element = try value(&afterType, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            cursor = afterType
            return .array(elements)
        default:
            throw .unknownType(type)
        }
    }

    /// The bytes up to CRLF (exclusive), moving past the CRLF; nil when the CRLF has not arrived.
    /// A CR must be followed by LF and no LF may stand alone: such a line is broken, not partial.
    private func line(_ cursor: inout Cursor) throws(ProtocolError) -> Range<Int>? {
        let start = cursor.index
        var position = start
        while position < cursor.end {
            let byte = cursor.byte(at: position)
            if byte == UInt8(ascii: "\r") {
                guard position + 1 < cursor.end else { return nil }
                guard cursor.byte(at: position + 1) == UInt8(ascii: "\n") else { throw .badLineEnd }
                cursor.index = position + 2
                return start..<position
            }
            if byte == UInt8(ascii: "\n") { throw .badLineEnd }
            position += 1
            if position - start > limits.maxLineBytes { throw .lineTooLong }
        }
        return nil
    }

    /// A signed decimal line: an optional `-` and 1 to 19 digits that fit in Int64, then CRLF.
    /// Every byte is judged as it arrives, so a number refused in one read is refused the same
    /// way however the bytes are split.
    private func number(_ cursor: inout Cursor) throws(ProtocolError) -> Int64? {
        var position = cursor.index
        var negative = false
        if position < cursor.end, cursor.byte(at: position) == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        let digitsStart = position
        var value: Int64 = 0
        while position < cursor.end {
            let byte = cursor.byte(at: position)
            if byte == UInt8(ascii: "\r") {
                guard position > digitsStart else { throw .badNumber }
                guard position + 1 < cursor.end else { return nil }
                guard cursor.byte(at: position + 1) == UInt8(ascii: "\n") else { throw .badLineEnd }
                cursor.index = position + 2
                return negative ? -value : value
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), position - digitsStart < 19 else {
                throw .badNumber
            }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw .badNumber }
            value = sum
            position += 1
        }
        return nil
    }
}
