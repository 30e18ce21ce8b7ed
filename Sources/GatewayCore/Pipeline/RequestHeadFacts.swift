import NIOCore
public import NIOHTTP1

/// What the gateway needs from a request's header fields, gathered in one pass at the head:
/// framing, Host, request id, Origin, Expect, Connection, the token's fields and
/// X-Forwarded-For. Every later stage reads these instead of scanning the fields again, and
/// only these become `String`s: a field the gateway merely forwards stays bytes (HTTP/1.1).
///
/// Not copyable: the compiler then refuses a copy of its strings per stage (copies of it cost six
/// retains and twelve releases per request before).
public struct RequestHeadFacts: ~Copyable, Sendable {
    public var host = FieldOccurrences()
    public var contentLength = FieldOccurrences()
    public var transferEncoding = FieldOccurrences()
    public var requestID = FieldOccurrences()
    public var authorization = FieldOccurrences()
    /// Every Cookie field's value (the token may be in any of them).
    public var cookies: [String] = []
    /// Every X-Forwarded-For field's value, in order.
    public var forwardedFor: [Substring] = []
    public var origin: String?
    public var expectsContinue = false
    /// Connection lists `close` / `keep-alive`.
    public var connectionClose = false
    public var connectionKeepAlive = false
    /// The announced length (0 when absent or not a number: `FramingRules` refuses the latter).
    public private(set) var bodyLength = 0

    public init(_ headers: HTTPHeaders) {
        for (name, value) in headers {
            var name = name
            name.withUTF8 { add(UnsafeRawBufferPointer($0)) { value } }
        }
        bodyLength = contentLength.first.flatMap { Int($0) } ?? 0
    }

    /// The facts of an HTTP/1.1 head, read from its bytes.
    public init(_ raw: RawRequestHead) {
        raw.bytes.withUnsafeReadableBytes { bytes in
            for field in raw.fields {
                add(UnsafeRawBufferPointer(rebasing: bytes[field.name])) {
                    String(decoding: UnsafeRawBufferPointer(rebasing: bytes[field.value]), as: UTF8.self)
                }
            }
        }
        bodyLength = contentLength.first.flatMap { Int($0) } ?? 0
    }

    /// Notes one field; `value` is called only for the fields the gateway reads.
    private mutating func add(_ name: UnsafeRawBufferPointer, _ value: () -> String) {
        switch name.count {
        case 4 where HeaderNames.equals(name, "host"): host.add(value())
        case 6:
            if HeaderNames.equals(name, "origin") {
                if origin == nil { origin = value() }
            } else if HeaderNames.equals(name, "expect") {
                expectsContinue = expectsContinue || HeaderNames.equals(value(), "100-continue")
            } else if HeaderNames.equals(name, "cookie") {
                cookies.append(value())
            }
        case 10 where HeaderNames.equals(name, "connection"): noteConnection(value())
        case 12 where HeaderNames.equals(name, "x-request-id"): requestID.add(value())
        case 13 where HeaderNames.equals(name, "authorization"): authorization.add(value())
        case 14 where HeaderNames.equals(name, "content-length"): contentLength.add(value())
        case 15 where HeaderNames.equals(name, "x-forwarded-for"): forwardedFor.append(Substring(value()))
        case 17 where HeaderNames.equals(name, "transfer-encoding"): transferEncoding.add(value())
        default: break
        }
    }

    private mutating func noteConnection(_ value: String) {
        var value = value
        value.withUTF8 { bytes in
            ByteScan.forEachListMember(UnsafeRawBufferPointer(bytes)) { member in
                if HeaderNames.equals(member, "close") { connectionClose = true }
                if HeaderNames.equals(member, "keep-alive") { connectionKeepAlive = true }
            }
        }
    }

    /// Whether the connection stays open after this request (RFC 9112 §9.3): HTTP/1.1 unless
    /// `close`, HTTP/1.0 only with `keep-alive`. An HTTP/2 stream ends with its response by
    /// itself (and has no Connection field), so it counts as kept: its response is flushed
    /// with the others of the tick instead of on its own.
    public func keepsConnection(_ version: HTTPVersion) -> Bool {
        if version.major == 2 { return true }
        if connectionClose { return false }
        return version.major == 1 && version.minor == 0 ? connectionKeepAlive : true
    }

    /// Whether `other` holds the same facts (the byte path and the field-list path must agree).
    public func isSame(as other: borrowing RequestHeadFacts) -> Bool {
        host == other.host && contentLength == other.contentLength && transferEncoding == other.transferEncoding
            && requestID == other.requestID && authorization == other.authorization && cookies == other.cookies
            && forwardedFor == other.forwardedFor && origin == other.origin && expectsContinue == other.expectsContinue
            && connectionClose == other.connectionClose && connectionKeepAlive == other.connectionKeepAlive
            && bodyLength == other.bodyLength
    }

    /// Whether a body follows the head (chunked, or a non-zero length).
    public var hasBody: Bool { !transferEncoding.isEmpty || bodyLength > 0 }

    /// Bodies above 1 MiB (or chunked) are not drained after a local answer: the connection closes.
    public var hasLargeBody: Bool { !transferEncoding.isEmpty || bodyLength > 1 << 20 }
}

/// A header field's first value and how often it occurs. Every rule about these fields refuses a
/// repeat, so later values are only counted: no array per request.
public struct FieldOccurrences: Sendable, Equatable {
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
