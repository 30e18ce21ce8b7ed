import NIOCore
import NIOHTTP1

/// Builds the head sent to the client from the upstream's (SPEC §4, §10), in one pass.
///
/// Upstream values are bytes (SPEC §10): they are copied as received, never decoded, so obs-text
/// (0x80–0xFF) reaches the client unchanged and a rewritten Location differs from the upstream's
/// in its prefix only.
enum ClientResponseHead {
    /// Not copyable: the writing closure borrows it instead of copying its strings (measured: a
    /// copy per response cost 4 retains and 8 releases).
    struct Context: ~Copyable {
        var decoration: ResponseDecoration
        var rateLimit: (headers: RateLimitHeaders, decision: RateLimitDecision)?
        /// nil when the upstream's head has no Location (most do not): four strings fewer to
        /// copy per response.
        var location: LocationRewrite?
    }

    /// What rewriting an upstream `Location` needs (SPEC §10): the matched route's prefixes and
    /// the endpoint's address; four strings, not the route and endpoint they come from (this is
    /// built for every response).
    struct LocationRewrite {
        var publicPrefix: Substring
        var internalPrefix: String
        var upstreamAuthority: String
        var upstreamBasePath: String

        init(match: RouteMatch, upstream: UpstreamURL) {
            publicPrefix = match.publicPrefix
            internalPrefix = match.internalPrefix
            upstreamAuthority = upstream.authority
            upstreamBasePath = upstream.basePath
        }
    }

    /// How the client's body is framed, when it is: the upstream's length or chunked.
    enum FramingField {
        case contentLength(Int)
        case chunked
    }

    /// The client head: the upstream's fields that may pass, copied as they came (`Location`
    /// rewritten), then the gateway's own fields and `framing`. Written in one pass, the
    /// gateway's fields too: no list of `String`s per response.
    static func make(
        from head: UpstreamResponseHead, version: HTTPVersion, context: borrowing Context, framing: FramingField?,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        // With a list of origins the gateway's `Vary: Origin` is merged into the upstream's Vary
        // below, so the decoration does not add its own.
        let mergesVary = context.decoration.cors.variesByOrigin

        // Written back, a line can grow by a space and a CR (`X:1\n` becomes `X: 1\r\n`) and a
        // rewritten Location by the public prefix; the gateway's own fields take ~500 bytes. An
        // estimate only: `write` runs again when it was short.
        let status = head.status
        let estimate =
            HeadSerializer.statusLineSize(status) + head.fields.bytes.readableBytes + 2 * head.fields.lineCount
            + head.locationLines * (context.location?.publicPrefix.utf8.count ?? 0) + 640
        var buffer = allocator.buffer(capacity: estimate)
        buffer.write(estimate: estimate) { writer in
            HeadSerializer.writeStatusLine(version: version, status: status, into: &writer)
            var upstreamVaries = false
            head.fields.forEach { name, value in
                if head.isConnectionNamed(name) { return }
                // `name` is not empty: UpstreamFieldLines refused empty names.
                switch name[0] | 0x20 {
                case UInt8(ascii: "v"):
                    if mergesVary && HeaderNames.equals(name, "vary") {
                        upstreamVaries = true
                        return
                    }
                case UInt8(ascii: "a"):
                    if HeaderNames.hasPrefix(name, "access-control-") { return }
                case UInt8(ascii: "x"):
                    if HeaderNames.equals(name, "x-request-id") { return }
                case UInt8(ascii: "l"):
                    if HeaderNames.equals(name, "location") {
                        writeLocation(name: name, value: value, context: context, into: &writer)
                        return
                    }
                case UInt8(ascii: "r"):
                    if HeaderNames.equals(name, "ratelimit") || HeaderNames.equals(name, "ratelimit-policy") { return }
                case UInt8(ascii: "c"):
                    // The gateway frames the body itself (see `ResponseFraming`).
                    if HeaderNames.equals(name, "content-length") { return }
                default: break
                }
                if HeaderNames.isHopByHop(name) { return }
                writer.field(name, value)
            }
            if mergesVary { writeMergedVary(upstreamVaries ? head : nil, into: &writer) }
            context.decoration.write(varyOrigin: !mergesVary, into: &writer)
            if let rate = context.rateLimit { rate.headers.write(rate.decision, into: &writer) }
            switch framing {
            case .contentLength(let length):
                writer.put("Content-Length: ")
                writer.putDecimal(UInt64(length))
                writer.put("\r\n")
            case .chunked:
                writer.put("Transfer-Encoding: chunked\r\n")
            case nil:
                break
            }
            writer.put("\r\n")
        }
        return buffer
    }

    /// Writes `Location`, its prefix rewritten when it points under the route's internal prefix.
    static func writeLocation(
        name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, context: borrowing Context,
        into writer: inout ByteWriter
    ) {
        guard let location = context.location, let kept = locationTail(value, context: context) else {
            writer.field(name, value)
            return
        }
        writer.put(name)
        writer.put(": ")
        writer.put(location.publicPrefix)
        writer.put(UnsafeRawBufferPointer(rebasing: value[kept...]))
        writer.put("\r\n")
    }

    /// Where the part of `value` to keep begins, when `value` is
    /// `http://upstream/base/internal-prefix/rest` or its path alone (`/public-prefix` then
    /// replaces what comes before); nil when the value is not the upstream's.
    static func locationTail(_ value: UnsafeRawBufferPointer, context: borrowing Context) -> Int? {
        guard let location = context.location else { return nil }
        var at = 0
        func skip(_ text: String) -> Bool {
            let n = text.utf8.count
            guard value.count - at >= n, UnsafeRawBufferPointer(rebasing: value[at..<(at + n)]).elementsEqual(text.utf8)
            else { return false }
            at += n
            return true
        }
        if skip("http://") {
            guard skip(location.upstreamAuthority) else { return nil }
        } else if value.isEmpty || value[0] != UInt8(ascii: "/") || (value.count > 1 && value[1] == UInt8(ascii: "/")) {
            return nil
        }
        guard skip(location.upstreamBasePath), skip(location.internalPrefix) else { return nil }
        guard at == value.count || value[at] == UInt8(ascii: "/") || value[at] == UInt8(ascii: "?") else { return nil }
        return at
    }

    /// One Vary field (SPEC §4): the members of the upstream's Vary fields, copied as bytes, and
    /// `Origin` unless one of them is `Origin` or `*`.
    static func writeMergedVary(_ head: UpstreamResponseHead?, into writer: inout ByteWriter) {
        writer.put("Vary: ")
        var members = 0
        var coversOrigin = false
        head?.fields.forEach { name, value in
            guard HeaderNames.equals(name, "vary"), !head!.isConnectionNamed(name) else { return }
            ByteScan.forEachListMember(value) { member in
                if members > 0 { writer.put(", ") }
                writer.put(member)
                members += 1
                if HeaderNames.equals(member, "origin") || (member.count == 1 && member[0] == UInt8(ascii: "*")) {
                    coversOrigin = true
                }
            }
        }
        if !coversOrigin { writer.put(members == 0 ? "Origin" : ", Origin") }
        writer.put("\r\n")
    }
}

/// The fields every gateway response carries, proxied or local (SPEC §4, §6).
struct ResponseDecoration {
    var requestID: RequestID
    var origin: String?
    var cors: CORSPolicy
    /// The connection closes after this response.
    var close: Bool

    /// Writes CORS, `Vary: Origin` (unless the caller merges it), X-Request-ID and, on close,
    /// `Connection: close`.
    func write(varyOrigin: Bool = true, into writer: inout ByteWriter) {
        cors.write(origin: origin, varyOrigin: varyOrigin, into: &writer)
        writer.field("X-Request-ID", requestID)
        if close { writer.put("Connection: close\r\n") }
    }

    /// More than `write` ever writes (an estimate for the writer's first pass).
    var sizeEstimate: Int { 320 + requestID.utf8Count + 2 * (origin?.utf8.count ?? 0) }
}
