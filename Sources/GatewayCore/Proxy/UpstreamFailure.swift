import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why an upstream exchange failed: a kind for the metric label, a cause for the access log's
/// `upstream_error` field and the debug log, so a 502 or 504 can be explained afterwards.
struct UpstreamFailure: Sendable, Equatable {
    var kind: UpstreamErrorKind
    var cause: String

    static func connecting(_ error: any Error) -> UpstreamFailure {
        if ClientHandler.isTimeout(error) {
            return UpstreamFailure(kind: .timeout, cause: "connect timed out")
        }
        return UpstreamFailure(kind: .refused, cause: "connect failed: \(describe(error))")
    }

    /// A failure of an established connection, before or after the response head.
    static func exchanging(_ error: any Error) -> UpstreamFailure {
        if let invalid = error as? UpstreamResponseError {
            // A cut mid-response is a reset; anything else the parser refused is invalid.
            return invalid.isTruncation
                ? UpstreamFailure(kind: .reset, cause: invalid.description)
                : UpstreamFailure(kind: .invalidResponse, cause: "invalid response: \(invalid.description)")
        }
        if let channelError = error as? ChannelError, channelError == .eof {
            return UpstreamFailure(kind: .reset, cause: "connection closed by the upstream")
        }
        return UpstreamFailure(kind: .reset, cause: describe(error))
    }

    static let switchingProtocols = UpstreamFailure(
        kind: .invalidResponse, cause: "invalid response: 101 Switching Protocols")
    static let responseTimeout = UpstreamFailure(
        kind: .timeout, cause: "no response head within UPSTREAM_RESPONSE_TIMEOUT_MS")

    private static func describe(_ error: any Error) -> String {
        if let io = error as? IOError {
            if io.errnoCode == ECONNRESET { return "connection reset" }
            if io.errnoCode == ECONNREFUSED { return "connection refused" }
            if io.errnoCode == EPIPE { return "broken pipe" }
        }
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            return describe(first.error)
        }
        return String(describing: error)
    }
}
