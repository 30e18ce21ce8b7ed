import NIOHTTP1

/// What the gateway needs from a request's header fields, gathered in one pass at the head:
/// framing, Host, request id, Origin, Expect. Every later stage reads these instead of scanning
/// the fields again.
public struct RequestHeadFacts: Sendable {
    public var hosts: [String] = []
    public var contentLengths: [String] = []
    public var transferEncodings: [String] = []
    public var requestIDs: [String] = []
    public var origin: String?
    public var expectsContinue = false

    public init(_ headers: HTTPHeaders) {
        for (name, value) in headers {
            switch name.utf8.count {
            case 4 where HeaderNames.equals(name, "host"): hosts.append(value)
            case 6:
                if HeaderNames.equals(name, "origin") {
                    origin = origin ?? value
                } else if HeaderNames.equals(name, "expect") {
                    expectsContinue = expectsContinue || HeaderNames.equals(value, "100-continue")
                }
            case 12 where HeaderNames.equals(name, "x-request-id"): requestIDs.append(value)
            case 14 where HeaderNames.equals(name, "content-length"): contentLengths.append(value)
            case 17 where HeaderNames.equals(name, "transfer-encoding"): transferEncodings.append(value)
            default: break
            }
        }
    }

    /// Whether a body follows the head (chunked, or a non-zero length).
    public var hasBody: Bool {
        !transferEncodings.isEmpty || (contentLengths.first.flatMap { Int($0) } ?? 0) > 0
    }

    /// Bodies above 1 MiB (or chunked) are not drained after a local answer: the connection closes.
    public var hasLargeBody: Bool {
        !transferEncodings.isEmpty || (contentLengths.first.flatMap { Int($0) } ?? 0) > 1 << 20
    }
}
