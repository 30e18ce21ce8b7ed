import NIOHTTP1

/// Builds the head sent upstream from the client's (SPEC §7, §10), in one pass over its fields.
///
/// Hop-by-hop and spoofable headers are dropped first; only then are the gateway's own added.
enum UpstreamRequestHead {
    struct Context {
        var requestID: String
        var peer: Peer
        var identity: Claims?
        /// Whether the client sent a body: the gateway then frames it (CL kept, else chunked).
        var hasBody: Bool
    }

    /// The upstream head's fields, in order; `HeadSerializer` writes them.
    static func make(from head: HTTPRequestHead, plan: ForwardPlan, context: Context) -> [(String, String)] {
        let named = connectionNamed(head.headers)
        var out: [(String, String)] = []
        out.reserveCapacity(head.headers.count + 8)
        out.append(("Host", plan.upstream.authority))
        var hasLength = false
        var forwardedFor: [String] = []
        var forwardedProto: String? = nil
        var forwardedHost: String? = nil
        var clientHost: String? = nil
        for (name, value) in head.headers {
            switch name.utf8.first.map({ $0 | 0x20 }) {
            case UInt8(ascii: "x"):
                if HeaderNames.hasPrefix(name, "x-forwarded-") {
                    if HeaderNames.equals(name, "x-forwarded-for") {
                        forwardedFor.append(value)
                    } else if HeaderNames.equals(name, "x-forwarded-proto") {
                        forwardedProto = forwardedProto ?? value
                    } else if HeaderNames.equals(name, "x-forwarded-host") {
                        forwardedHost = forwardedHost ?? value
                    }
                    continue
                }
                if HeaderNames.isUserIdentity(name) || HeaderNames.equals(name, "x-real-ip")
                    || HeaderNames.equals(name, "x-api-key") || HeaderNames.equals(name, "x-request-id")
                {
                    continue
                }
            case UInt8(ascii: "h"):
                if HeaderNames.equals(name, "host") {
                    clientHost = value
                    continue
                }
            case UInt8(ascii: "f"):
                if HeaderNames.equals(name, "forwarded") { continue }
            case UInt8(ascii: "e"):
                // The gateway answers 100-continue itself.
                if HeaderNames.equals(name, "expect") { continue }
            case UInt8(ascii: "c"):
                if HeaderNames.equals(name, "content-length") {
                    out.append((name, value))
                    hasLength = true
                    continue
                }
            default: break
            }
            if HeaderNames.isHopByHop(name) { continue }
            if !named.isEmpty && named.contains(where: { HeaderNames.equals(name, $0) }) { continue }
            out.append((name, value))
        }
        if context.hasBody && !hasLength {
            out.append(("Transfer-Encoding", "chunked"))
        }
        let peer = context.peer.text
        if context.peer.isTrusted && !forwardedFor.isEmpty {
            out.append(("X-Forwarded-For", forwardedFor.joined(separator: ", ") + ", " + peer))
        } else {
            out.append(("X-Forwarded-For", peer))
        }
        out.append(
            (
                "X-Forwarded-Proto",
                (context.peer.isTrusted ? forwardedProto : nil) ?? (context.peer.isSecure ? "https" : "http")
            ))
        if let host = (context.peer.isTrusted ? forwardedHost : nil) ?? clientHost {
            out.append(("X-Forwarded-Host", host))
        }
        out.append(("X-Request-ID", context.requestID))
        if let identity = context.identity {
            out.append(("X-User-ID", identity.userID))
            out.append(("X-User-Roles", identity.rolesHeaderValue))
        }
        return out
    }

    /// Lower-cased names listed in Connection headers, minus those it may not remove.
    static func connectionNamed(_ headers: HTTPHeaders) -> [String] {
        var names: [String] = []
        for (name, value) in headers where name.utf8.count == 10 && HeaderNames.equals(name, "connection") {
            // The usual values name no other field: no allocation for them.
            if HeaderNames.equals(value, "keep-alive") || HeaderNames.equals(value, "close") { continue }
            for token in value.split(separator: ",") {
                let trimmed = token.trimmingASCIISpaces()
                if trimmed.isEmpty || HeaderNames.isProtectedFromConnection(trimmed) { continue }
                let lowered = trimmed.lowercased()
                if lowered == "close" || lowered == "keep-alive" { continue }
                names.append(lowered)
            }
        }
        return names
    }
}
