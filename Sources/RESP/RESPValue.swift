public import NIOCore

/// One RESP2 reply.
///
/// Redis' null bulk string (`$-1`) and null array (`*-1`) are both `.null`: no caller of this
/// client tells them apart, and RESP3 merged them too.
public enum RESPValue: Sendable, Equatable {
    case simpleString(ByteBuffer)
    case error(ByteBuffer)
    case integer(Int64)
    case bulkString(ByteBuffer)
    case array([RESPValue])
    case null

    /// The text of a simple or bulk string (or of an error), for callers that expect text.
    public var text: String? {
        switch self {
        case .simpleString(let bytes), .bulkString(let bytes), .error(let bytes): String(buffer: bytes)
        case .integer, .array, .null: nil
        }
    }

    /// The error's text when this is an error reply.
    public var errorMessage: String? {
        if case .error(let bytes) = self { return String(buffer: bytes) }
        return nil
    }
}
