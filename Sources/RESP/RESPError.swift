/// Why a command sent with `RESPClient` got no reply.
public enum RESPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No connection is ready (connecting, backing off, or shut down).
    case notConnected
    /// No reply within the command timeout: the connection was closed and every pending command failed.
    case timeout
    /// The connection closed before the reply arrived.
    case connectionClosed
    /// The server sent bytes that are not RESP2; the connection was closed.
    case protocolError(RESPParser.ProtocolError)
    /// A reply arrived with no command waiting for it; the connection was closed.
    case unexpectedReply
    /// The handshake (AUTH, SELECT) was refused; the message is the server's.
    case handshakeRefused(String)

    public var description: String {
        switch self {
        case .notConnected: "not connected"
        case .timeout: "no reply in time"
        case .connectionClosed: "connection closed"
        case .protocolError(let error): "protocol error (\(error))"
        case .unexpectedReply: "reply with no command waiting"
        case .handshakeRefused(let message): "handshake refused: \(message)"
        }
    }
}
