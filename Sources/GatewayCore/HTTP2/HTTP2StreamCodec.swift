import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOHTTP2

/// What turns an HTTP/2 stream's frames into a `ClientHandler`'s request parts and its HTTP/1.1
/// response bytes back into frames (read back by `HTTP1ResponseBytes`); a response that ends
/// with its head or its body ends the stream in that same frame. Driven by the stream's
/// `ClientHandler` (reads) and `HTTP2Stream` (writes), not a channel handler of its own.
///
/// The header blocks are checked here (`HTTP2FieldRules`: RFC 9113 §8.2–§8.3, pseudo-fields,
/// lower-case names, no connection-specific fields, TE only `trailers`); NIO checks content-length
/// against DATA.
final class HTTP2StreamCodec {
    private var reader: HTTP1ResponseBytes
    private var sawHead = false
    /// Completes once the frame ending the response is written: an empty write (`ClientHandler`
    /// closing after its response) completes with it, not before.
    private var lastWrite: EventLoopFuture<Void>?

    /// `values`: the connection's, shared by its streams.
    init(values: HTTP2FieldValues = HTTP2FieldValues()) {
        reader = HTTP1ResponseBytes(values: values)
    }

    /// The request parts `payload` brings, to `deliver` in order. False for a malformed block
    /// (RFC 9113 §8.1.1): a stream error, the stream is to be reset with PROTOCOL_ERROR (as NIO's
    /// own checks did) and nothing reaches the pipeline.
    func read(_ payload: HTTP2Frame.FramePayload, deliver: (ClientRequestPart) -> Void) -> Bool {
        switch payload {
        case .headers(let headers):
            if sawHead {
                // Trailers: the request ends (their fields are not forwarded).
                guard HTTP2FieldRules.trailersViolation(headers.headers) == nil else { return false }
                deliver(.end)
                return true
            }
            sawHead = true
            guard HTTP2FieldRules.requestViolation(headers.headers) == nil,
                let head = Self.requestHead(headers.headers, endStream: headers.endStream)
            else { return false }
            reader.requestMethod = head.method
            deliver(.head(ClientRequestHead(head)))
            if headers.endStream { deliver(.end) }
        case .data(let data):
            guard case .byteBuffer(let bytes) = data.data else { return true }
            if bytes.readableBytes > 0 || !data.endStream { deliver(.body(bytes)) }
            if data.endStream { deliver(.end) }
        default:
            break
        }
        return true
    }

    /// The request head for the pipeline. Host comes from `:authority` when absent; when both are
    /// there and differ, the authority is added as a second Host, so the request meets SPEC §10's
    /// rule for two Host fields (400) like any other (RFC 9113 §8.3.1 calls it malformed).
    static func requestHead(_ block: HPACKHeaders, endStream: Bool) -> HTTPRequestHead? {
        var method: String?
        var path: String?
        var authority: String?
        var host: String?
        var hasLength = false
        var fields: [(String, String)] = []
        fields.reserveCapacity(block.count + 1)
        for (name, value, _) in block {
            if name.utf8.first == UInt8(ascii: ":") {
                switch name {
                case ":method": method = value
                case ":path": path = value
                case ":authority": authority = value
                default: break
                }
                continue
            }
            if name == "host" { host = value }
            if name == "content-length" { hasLength = true }
            fields.append((name, value))
        }
        guard let method, let path else { return nil }
        if let authority {
            if host == nil {
                fields.insert(("host", authority), at: 0)
            } else if host?.lowercased() != authority.lowercased() {
                fields.append(("host", authority))
            }
        }
        let httpMethod = HTTPMethod(rawValue: method)
        // As NIO's codec: a body-bearing method without a length has a chunked body (or none).
        switch httpMethod {
        case .GET, .HEAD, .DELETE, .CONNECT, .TRACE:
            break
        default:
            if !hasLength { fields.append(endStream ? ("content-length", "0") : ("transfer-encoding", "chunked")) }
        }
        return HTTPRequestHead(version: .http2, method: httpMethod, uri: path, headers: HTTPHeaders(fields))
    }

    /// Whether a frame ending the response was written.
    private(set) var sentEnd = false

    /// Writes (through `emit`) the frames `bytes` (the handler's HTTP/1.1 response) complete.
    func write(
        _ bytes: ByteBuffer, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?,
        emit: (HTTP2Frame.FramePayload, EventLoopPromise<Void>?) -> Void
    ) {
        let parts: [HTTP1ResponseBytes.Part]
        do {
            parts = try reader.feed(bytes)
        } catch {
            promise?.fail(error)
            context.close(promise: nil)
            return
        }
        var frames: [HTTP2Frame.FramePayload] = []
        frames.reserveCapacity(parts.count)
        var index = 0
        while index < parts.count {
            let endsNext = index + 1 < parts.count && parts[index + 1] == .end
            switch parts[index] {
            case .head(let status, let fields):
                frames.append(.headers(.init(headers: Self.block(status: status, fields), endStream: endsNext)))
            case .body(let bytes):
                frames.append(.data(.init(data: .byteBuffer(bytes), endStream: endsNext)))
            case .end:
                frames.append(
                    .data(.init(data: .byteBuffer(context.channel.allocator.buffer(capacity: 0)), endStream: true)))
            }
            index += endsNext ? 2 : 1
        }
        guard let last = frames.popLast() else {
            if let lastWrite { lastWrite.cascade(to: promise) } else { promise?.succeed() }
            return
        }
        for frame in frames { emit(frame, nil) }
        // Only the response's end is waited for by a later empty write.
        guard Self.endsStream(last) else {
            emit(last, promise)
            return
        }
        sentEnd = true
        let written = promise ?? context.eventLoop.makePromise()
        lastWrite = written.futureResult
        emit(last, written)
    }

    /// The response's header block. Built from a list, not by `add`, for the fields HPACK may
    /// index: `add` checks every name byte by byte for ASCII, ~6k instructions a response
    /// (callgrind), and these names are the gateway's, lower-cased already. The fields that go
    /// without indexing follow them (the order of fields of different names carries no meaning,
    /// RFC 9110 §5.3; fields of one name keep theirs).
    static func block(status: Int, _ fields: [HTTP1ResponseBytes.Field]) -> HPACKHeaders {
        var indexable: [(String, String)] = []
        indexable.reserveCapacity(fields.count + 1)
        indexable.append((":status", status == 200 ? "200" : String(status)))
        var varying = 0
        for field in fields {
            if indexing(of: field.name) == .indexable {
                indexable.append((field.name, field.value))
            } else {
                varying += 1
            }
        }
        var block = HPACKHeaders(indexable)
        if varying > 0 {
            block.reserveCapacity(fields.count + 1)
            for field in fields where indexing(of: field.name) != .indexable {
                block.add(name: field.name, value: field.value, indexing: .nonIndexable)
            }
        }
        return block
    }

    /// HPACK indexing of a response field (names arrive lower-cased). A field whose value is new
    /// in nearly every response goes without indexing: indexed, each entered the connection's
    /// dynamic table only to push out entries that would have been reused, and the encoder
    /// searches that whole table for every field it writes. The rest stay indexable, so a
    /// repeated `content-type` still costs one byte; `date` too, as it changes once a second (an
    /// upstream's `date` literal was Huffman-coded anew in every response: ~2.5k instructions).
    static func indexing(of name: String) -> HPACKIndexing {
        let varies =
            switch name.utf8.count {
            case 4: name == "etag"
            case 8: name == "location"
            case 9: name == "ratelimit"
            case 10: name == "set-cookie"
            case 11: name == "retry-after"
            case 12: name == "x-request-id"
            case 13: name == "last-modified"
            case 14: name == "content-length"
            default: false
            }
        return varies ? .nonIndexable : .indexable
    }

    private static func endsStream(_ frame: HTTP2Frame.FramePayload) -> Bool {
        switch frame {
        case .headers(let headers): headers.endStream
        case .data(let data): data.endStream
        default: false
        }
    }
}
