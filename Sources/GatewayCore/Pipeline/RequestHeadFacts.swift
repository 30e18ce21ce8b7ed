public import NIOHTTP1

/// What the gateway needs from a request's header fields, gathered in one pass at the head:
/// framing, Host, request id, Origin, Expect. Every later stage reads these instead of scanning
/// the fields again.
public struct RequestHeadFacts: Sendable {
    public var host = FieldOccurrences()
    public var contentLength = FieldOccurrences()
    public var transferEncoding = FieldOccurrences()
    public var requestID = FieldOccurrences()
    public var origin: String?
    public var expectsContinue = false
    /// The announced length (0 when absent or not a number: `FramingRules` refuses the latter).
    public private(set) var bodyLength = 0

    public init(_ headers: HTTPHeaders) {
        for (name, value) in headers {
            switch name.utf8.count {
            case 4 where HeaderNames.equals(name, "host"): host.add(value)
            case 6:
                if HeaderNames.equals(name, "origin") {
                    origin = origin ?? value
                } else if HeaderNames.equals(name, "expect") {
                    expectsContinue = expectsContinue || HeaderNames.equals(value, "100-continue")
                }
            case 12 where HeaderNames.equals(name, "x-request-id"): requestID.add(value)
            case 14 where HeaderNames.equals(name, "content-length"): contentLength.add(value)
            case 17 where HeaderNames.equals(name, "transfer-encoding"): transferEncoding.add(value)
            default: break
            }
        }
        bodyLength = contentLength.first.flatMap { Int($0) } ?? 0
    }

    /// Whether a body follows the head (chunked, or a non-zero length).
    public var hasBody: Bool { !transferEncoding.isEmpty || bodyLength > 0 }

    /// Bodies above 1 MiB (or chunked) are not drained after a local answer: the connection closes.
    public var hasLargeBody: Bool { !transferEncoding.isEmpty || bodyLength > 1 << 20 }
}

/// A header field's first value and how often it occurs. Every rule about these fields refuses a
/// repeat, so later values are only counted: no array per request.
public struct FieldOccurrences: Sendable {
    public private(set) var first: String?
    public private(set) var count = 0

    public var isEmpty: Bool { count == 0 }
    /// The value when the field occurs exactly once.
    public var single: String? { count == 1 ? first : nil }

    mutating func add(_ value: String) {
        if count == 0 { first = value }
        count += 1
    }
}
