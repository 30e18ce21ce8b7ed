import NIOCore
import NIOHTTP1

/// Builds the head sent upstream from the client's (SPEC §7, §10), in one pass over its fields.
///
/// Hop-by-hop and spoofable headers are dropped first; only then are the gateway's own added.
enum UpstreamRequestHead {
    struct Context {
        var requestID: RequestID
        var peer: Peer
        /// Whether the client sent a body: the gateway then frames it (CL kept, else chunked).
        var hasBody: Bool
    }

    /// The upstream head's fields, in order; `HeadSerializer` writes them.
    static func make(from headers: HTTPHeaders, plan: ForwardPlan, context: Context) -> [(String, String)] {
        let named = connectionNamed(headers)
        var out: [(String, String)] = []
        out.reserveCapacity(headers.count + 8)
        out.append(("Host", plan.upstream.authority))
        var hasLength = false
        var forwardedFor: [String] = []
        var forwardedProto: String? = nil
        var forwardedHost: String? = nil
        var clientHost: String? = nil
        for (name, value) in headers {
            var bytes = name
            switch bytes.withUTF8({ FieldRule.of(UnsafeRawBufferPointer($0)) }) {
            case .drop: continue
            case .forwardedFor: forwardedFor.append(value)
            case .forwardedProto: forwardedProto = forwardedProto ?? value
            case .forwardedHost: forwardedHost = forwardedHost ?? value
            case .host: clientHost = value
            case .contentLength:
                out.append((name, value))
                hasLength = true
            case .forward:
                if !named.isEmpty && named.contains(where: { HeaderNames.equals(name, $0) }) { continue }
                out.append((name, value))
            }
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
        out.append(("X-Request-ID", context.requestID.description))
        // The plan's, not a copy in the context: one reference count less per request.
        if let identity = plan.identity {
            out.append(("X-User-ID", identity.userID))
            out.append(("X-User-Roles", identity.rolesHeaderValue))
        }
        return out
    }

    /// What happens to a client field on its way upstream, by its name; the one place these
    /// rules live, for the field list and for the raw-byte writer alike.
    enum FieldRule {
        case forward, drop, contentLength, forwardedFor, forwardedProto, forwardedHost, host

        static func of(_ name: UnsafeRawBufferPointer) -> FieldRule {
            switch name.first.map({ $0 | 0x20 }) {
            case UInt8(ascii: "x"):
                if HeaderNames.hasPrefix(name, "x-forwarded-") {
                    if HeaderNames.equals(name, "x-forwarded-for") { return .forwardedFor }
                    if HeaderNames.equals(name, "x-forwarded-proto") { return .forwardedProto }
                    if HeaderNames.equals(name, "x-forwarded-host") { return .forwardedHost }
                    return .drop
                }
                if HeaderNames.isUserIdentity(name) || HeaderNames.equals(name, "x-real-ip")
                    || HeaderNames.equals(name, "x-api-key") || HeaderNames.equals(name, "x-request-id")
                {
                    return .drop
                }
            case UInt8(ascii: "h"):
                if HeaderNames.equals(name, "host") { return .host }
            case UInt8(ascii: "f"):
                if HeaderNames.equals(name, "forwarded") { return .drop }
            case UInt8(ascii: "e"):
                // The gateway answers 100-continue itself.
                if HeaderNames.equals(name, "expect") { return .drop }
            case UInt8(ascii: "c"):
                if HeaderNames.equals(name, "content-length") { return .contentLength }
            default:
                break
            }
            return HeaderNames.isHopByHop(name) ? .drop : .forward
        }
    }

    /// Lower-cased names listed in Connection headers, minus those it may not remove.
    static func connectionNamed(_ headers: HTTPHeaders) -> [String] {
        var names: [String] = []
        for (name, value) in headers where name.utf8.count == 10 && HeaderNames.equals(name, "connection") {
            addConnectionNamed(value, to: &names)
        }
        return names
    }

    /// The names one Connection value lists that the gateway drops with it.
    static func addConnectionNamed(_ value: String, to names: inout [String]) {
        // The usual values name no other field: no allocation for them.
        if HeaderNames.equals(value, "keep-alive") || HeaderNames.equals(value, "close") { return }
        for token in value.split(separator: ",") {
            let trimmed = token.trimmingASCIISpaces()
            if trimmed.isEmpty || HeaderNames.isProtectedFromConnection(trimmed) { continue }
            let lowered = trimmed.lowercased()
            if lowered == "close" || lowered == "keep-alive" { continue }
            names.append(lowered)
        }
    }
}

extension UpstreamRequestHead {
    /// The upstream head written straight from an HTTP/1.1 client's bytes: a field it forwards
    /// goes out as received, name and value byte for byte (joined by ": "), and no `String` is
    /// made for it. The rules and the order are `make`'s with `HeadSerializer.request`'s framing;
    /// for a head of ASCII bytes the two write the same bytes (tested, and fuzzed).
    static func write(
        raw: RawRequestHead, method: HTTPMethod, uri: String, plan: ForwardPlan, context: Context,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        let estimate = raw.bytes.readableBytes + uri.utf8.count + 320
        var out = allocator.buffer(capacity: estimate)
        raw.bytes.withUnsafeReadableBytes { bytes in
            // First what the fields say (ranges only), then one pass of writing that classifies
            // each field again (a byte compare or two) rather than keeping a list of them.
            var named: [[UInt8]] = []
            var hasLength = false
            var forwardedFor: [Range<Int>] = []
            var forwardedProto: Range<Int>?
            var forwardedHost: Range<Int>?
            var clientHost: Range<Int>?
            for field in raw.fields {
                let name = UnsafeRawBufferPointer(rebasing: bytes[field.name])
                switch FieldRule.of(name) {
                case .drop:
                    if name.count == 10 && HeaderNames.equals(name, "connection") {
                        var values: [String] = []
                        addConnectionNamed(String(decoding: bytes[field.value], as: UTF8.self), to: &values)
                        named += values.map { Array($0.utf8) }
                    }
                case .forwardedFor: forwardedFor.append(field.value)
                case .forwardedProto: forwardedProto = forwardedProto ?? field.value
                case .forwardedHost: forwardedHost = forwardedHost ?? field.value
                case .host: clientHost = field.value
                case .contentLength: hasLength = true
                case .forward: break
                }
            }
            let connectionNamed = named
            func forwards(_ name: UnsafeRawBufferPointer) -> Bool {
                switch FieldRule.of(name) {
                case .contentLength: true
                case .forward:
                    connectionNamed.isEmpty
                        || !connectionNamed.contains { HeaderNames.equalsIgnoringASCIICase(name, $0) }
                default: false
                }
            }
            let trusted = context.peer.isTrusted
            let host = (trusted ? forwardedHost : nil) ?? clientHost
            out.write(estimate: estimate) { writer in
                writer.put(method.rawValue)
                writer.put(UInt8(ascii: " "))
                writer.put(uri)
                writer.put(" HTTP/1.1\r\nHost: ")
                writer.put(plan.upstream.authority)
                writer.put("\r\n")
                for field in raw.fields {
                    let name = UnsafeRawBufferPointer(rebasing: bytes[field.name])
                    if forwards(name) { writer.field(name, UnsafeRawBufferPointer(rebasing: bytes[field.value])) }
                }
                if context.hasBody && !hasLength { writer.put("Transfer-Encoding: chunked\r\n") }
                writer.put("X-Forwarded-For: ")
                if trusted {
                    for range in forwardedFor {
                        writer.put(UnsafeRawBufferPointer(rebasing: bytes[range]))
                        writer.put(", ")
                    }
                }
                writer.put(context.peer.text)
                writer.put("\r\nX-Forwarded-Proto: ")
                if trusted, let proto = forwardedProto {
                    writer.put(UnsafeRawBufferPointer(rebasing: bytes[proto]))
                } else {
                    writer.put(context.peer.isSecure ? "https" : "http")
                }
                writer.put("\r\n")
                if let host {
                    writer.put("X-Forwarded-Host: ")
                    writer.put(UnsafeRawBufferPointer(rebasing: bytes[host]))
                    writer.put("\r\n")
                }
                writer.field("X-Request-ID", context.requestID)
                if let identity = plan.identity {
                    writer.field("X-User-ID", identity.userID)
                    writer.field("X-User-Roles", identity.rolesHeaderValue)
                }
                writer.put("\r\n")
            }
        }
        return out
    }
}
