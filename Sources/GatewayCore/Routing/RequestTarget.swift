/// An origin-form request target split into path and query, both exactly as received.
public struct RequestTarget: Sendable, Equatable {
    public let path: Substring
    /// Without the `?`; nil when the target has none.
    public let query: Substring?
}

/// Why hygiene refused a request (SPEC §10); the message goes into the 400 body.
public enum HygieneViolation: String, Error, Sendable {
    case notOriginForm = "request target must be an absolute path"
    case forbiddenByte = "request target holds a byte outside 0x21-0x7E"
    case controlCharacter = "path holds an encoded control character"
    case encodedSlash = "path holds an encoded slash or backslash"
    case backslash = "path holds a backslash"
    case dotSegment = "path holds a dot segment"
    case badPercentEncoding = "path holds a malformed percent-escape"
    case badHost = "Host header must occur once as host[:port]"
    case badTransferEncoding = "Transfer-Encoding other than chunked"
    case badContentLength = "Content-Length must be digits and occur once"
    case bothLengths = "Content-Length and Transfer-Encoding together"
}
