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

    /// The client head's fields, in order, without framing fields: the caller adds those.
    static func make(from head: HTTPResponseHead, context: Context) -> [(String, String)] {
        let named = UpstreamRequestHead.connectionNamed(head.headers)
        var out: [(String, String)] = []
        out.reserveCapacity(head.headers.count + 10)
        for (name, value) in head.headers {
            switch name.utf8.first.map({ $0 | 0x20 }) {
            case UInt8(ascii: "a"):
                if HeaderNames.hasPrefix(name, "access-control-") { continue }
            case UInt8(ascii: "x"):
                if HeaderNames.equals(name, "x-request-id") { continue }
            case UInt8(ascii: "l"):
                if HeaderNames.equals(name, "location") {
                    out.append((name, rewriteLocation(value, context: context)))
                    continue
                }
            case UInt8(ascii: "r"):
                if HeaderNames.equals(name, "ratelimit") || HeaderNames.equals(name, "ratelimit-policy") { continue }
            case UInt8(ascii: "c"):
                // The gateway frames the body itself (see `ResponseFraming`).
                if HeaderNames.equals(name, "content-length") { continue }
            default: break
            }
            if HeaderNames.isHopByHop(name) { continue }
            if !named.isEmpty && named.contains(where: { HeaderNames.equals(name, $0) }) { continue }
            out.append((name, value))
        }
        ResponseDecoration.decorate(
            &out, requestID: context.requestID, origin: context.origin, cors: context.cors,
            close: context.closeConnection)
        if let rate = context.rateLimitHeaders {
            out.append(("RateLimit-Policy", rate.policy))
            out.append(("RateLimit", rate.current))
        }
        return out
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
