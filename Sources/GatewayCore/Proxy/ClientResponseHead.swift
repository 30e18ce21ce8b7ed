import NIOCore
import NIOHTTP1

/// Builds the head sent to the client from the upstream's (SPEC §4, §10), in one pass.
enum ClientResponseHead {
    struct Context {
        var requestID: String
        var origin: String?
        var cors: CORSPolicy
        var rateLimitHeaders: (policy: String, current: String)?
        var closeConnection: Bool
        /// The public and internal prefixes of the matched route, for `Location` rewriting.
        var match: RouteMatch
        var upstream: UpstreamURL
    }

    /// The client head: the upstream's fields that may pass, copied as they came (`Location`
    /// rewritten), then the gateway's own fields and `framing` (Content-Length or Transfer-Encoding).
    static func make(
        from head: UpstreamResponseHead, version: HTTPVersion, context: Context, framing: (String, String)?,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        var buffer = allocator.buffer(
            capacity: HeadSerializer.statusLineSize(head.status) + head.fields.readableBytes + 384)
        HeadSerializer.writeStatusLine(version: version, status: head.status, into: &buffer)
        // With a list of origins the gateway's `Vary: Origin` is merged into the upstream's Vary.
        var own: [(String, String)] = []
        own.reserveCapacity(8)
        let mergesVary = context.cors.variesByOrigin
        // Written back, a line can grow by a space and a CR (`X:1\n` becomes `X: 1\r\n`), and a
        // rewritten Location by at most the public prefix.
        let maxBytes =
            head.fields.readableBytes + 2 * head.fieldLines
            + head.locationLines * context.match.publicPrefix.utf8.count
        head.fields.withUnsafeReadableBytes { raw in
            HeadSerializer.write(into: &buffer, maxBytes: maxBytes) { cursor in
                UpstreamResponseHead.forEachField(in: raw) { name, value in
                    // Fields the upstream's Connection header names are hop-by-hop, whatever they are.
                    if !head.connectionNamed.isEmpty
                        && head.connectionNamed.contains(where: { $0.utf8.elementsEqual(name.lazy.map { $0 | 0x20 }) })
                    {
                        return
                    }
                    switch name[0] | 0x20 {
                    case UInt8(ascii: "v"):
                        if mergesVary && HeaderNames.equals(name, "vary") {
                            own.append(("Vary", String(decoding: value, as: UTF8.self)))
                            return
                        }
                    case UInt8(ascii: "a"):
                        if HeaderNames.hasPrefix(name, "access-control-") { return }
                    case UInt8(ascii: "x"):
                        if HeaderNames.equals(name, "x-request-id") { return }
                    case UInt8(ascii: "l"):
                        if HeaderNames.equals(name, "location") {
                            var location = rewriteLocation(String(decoding: value, as: UTF8.self), context: context)
                            location.withUTF8 { cursor.field(name, UnsafeRawBufferPointer($0)) }
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
                    cursor.field(name, value)
                }
            }
        }
        ResponseDecoration.decorate(
            &own, requestID: context.requestID, origin: context.origin, cors: context.cors,
            close: context.closeConnection)
        if let rate = context.rateLimitHeaders {
            own.append(("RateLimit-Policy", rate.policy))
            own.append(("RateLimit", rate.current))
        }
        if let framing { own.append(framing) }
        HeadSerializer.writeFields(own, into: &buffer)
        return buffer
    }

    /// `http://upstream/base/internal-prefix/rest` (or its path alone) becomes `/public-prefix/rest`.
    static func rewriteLocation(_ value: String, context: Context) -> String {
        let internalBase = context.upstream.basePath + context.match.internalPrefix
        var rest = Substring(value)
        let origin = "http://" + context.upstream.authority
        if rest.hasPrefix(origin) {
            rest = rest.dropFirst(origin.count)
        } else if !rest.hasPrefix("/") || rest.hasPrefix("//") {
            return value
        }
        guard rest.hasPrefix(internalBase) else { return value }
        let tail = rest.dropFirst(internalBase.count)
        guard tail.isEmpty || tail.hasPrefix("/") || tail.hasPrefix("?") else { return value }
        return String(context.match.publicPrefix) + tail
    }
}

/// The headers every gateway response carries, proxied or local.
enum ResponseDecoration {
    static func decorate(
        _ headers: inout [(String, String)], requestID: String, origin: String?, cors: CORSPolicy, close: Bool
    ) {
        cors.apply(to: &headers, origin: origin)
        cors.applyVary(to: &headers)
        headers.append(("X-Request-ID", requestID))
        if close { headers.append(("Connection", "close")) }
    }
}
