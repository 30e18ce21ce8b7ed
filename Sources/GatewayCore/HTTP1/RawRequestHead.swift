public import NIOCore
public import NIOHTTP1

/// A request head as received: its bytes and where each part lies in them. Nothing is copied
/// out; a field the gateway only forwards is never turned into a `String`.
public struct RawRequestHead: Sendable, Equatable {
    /// The request line and the field lines, each with its CRLF; the empty line is not included.
    /// Ranges below are offsets from its reader index.
    public var bytes: ByteBuffer
    public var method: HTTPMethod
    public var target: Range<Int>
    public var version: HTTPVersion
    public var fields: [FieldLine]
    public var framing: RequestBodyFraming

    /// One field line: its name and its value without surrounding whitespace (RFC 9112 §5).
    public struct FieldLine: Sendable, Equatable {
        public var name: Range<Int>
        public var value: Range<Int>
    }

    /// Calls `body` with the bytes of `range`.
    @inlinable
    public func withBytes<Result>(of range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows
        -> Result
    {
        try bytes.withUnsafeReadableBytes { raw in try body(UnsafeRawBufferPointer(rebasing: raw[range])) }
    }

    /// The bytes of `range`, as an array (tests, logs of refused input).
    public func copy(_ range: Range<Int>) -> [UInt8] { withBytes(of: range) { Array($0) } }
}

/// How a request's body is delimited (RFC 9112 §6.3), as its head announces it.
public enum RequestBodyFraming: Sendable, Equatable {
    /// No body: neither Content-Length nor Transfer-Encoding.
    case none
    case length(Int)
    case chunked
}

/// Why request bytes were refused; each closes the connection (SPEC §10).
public enum RequestParseError: Error, Sendable, Equatable {
    /// 400, with what was wrong.
    case malformed(String)
    /// 431: a head over 64 KiB or over 100 field lines.
    case headTooLarge
}

extension HTTPRequestHead {
    /// The head as NIO's types hold it, a `String` per field: what the field-list path reads.
    /// The gateway never builds it for an HTTP/1.1 request; tests and fuzzers do, to check that
    /// the raw-byte writer and the list writer agree.
    init(_ raw: RawRequestHead) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(raw.fields.count)
        raw.bytes.withUnsafeReadableBytes { bytes in
            for field in raw.fields {
                headers.add(
                    name: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[field.name]), as: UTF8.self),
                    value: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[field.value]), as: UTF8.self))
            }
        }
        let uri = raw.withBytes(of: raw.target) { String(decoding: $0, as: UTF8.self) }
        self.init(version: raw.version, method: raw.method, uri: uri, headers: headers)
    }
}
