public import NIOCore

/// One command, already encoded as a RESP array of bulk strings (the only form Redis needs from
/// a client). Built once and written as is.
public struct RESPCommand: Sendable {
    public private(set) var encoded: ByteBuffer
    public private(set) var argumentCount: Int

    public init(_ name: String, _ arguments: [String] = []) {
        encoded = ByteBuffer()
        argumentCount = 0
        append(name)
        for argument in arguments { append(argument) }
    }

    /// Appends one argument; the header (`*N`) is written when the command is sent.
    public mutating func append(_ argument: String) {
        var bytes = ByteBuffer()
        bytes.writeString(argument)
        append(bytes)
    }

    public mutating func append(_ argument: ByteBuffer) {
        encoded.writeStaticString("$")
        encoded.writeString(String(argument.readableBytes))
        encoded.writeStaticString("\r\n")
        encoded.writeImmutableBuffer(argument)
        encoded.writeStaticString("\r\n")
        argumentCount += 1
    }

    /// Writes `*N\r\n` and the arguments into `buffer`.
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeStaticString("*")
        buffer.writeString(String(argumentCount))
        buffer.writeStaticString("\r\n")
        buffer.writeImmutableBuffer(encoded)
    }
}
