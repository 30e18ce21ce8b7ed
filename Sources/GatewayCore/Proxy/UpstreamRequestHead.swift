import NIOCore
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
        out.append(("X-Request-ID", context.requestID))
        if let identity = context.identity {
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
        var out = allocator.buffer(capacity: raw.bytes.readableBytes + uri.utf8.count + 320)
        out.writeString(method.rawValue)
        out.writeInteger(UInt8(ascii: " "))
        out.writeString(uri)
        out.writeStaticString(" HTTP/1.1\r\nHost: ")
        out.writeString(plan.upstream.authority)
        out.writeStaticString("\r\n")
        var hasLength = false
        var forwardedFor: [Range<Int>] = []
        var forwardedProto: Range<Int>?
        var forwardedHost: Range<Int>?
        var clientHost: Range<Int>?
        raw.bytes.withUnsafeReadableBytes { bytes in
            var named: [[UInt8]] = []
            for field in raw.fields where field.name.count == 10 {
                let name = UnsafeRawBufferPointer(rebasing: bytes[field.name])
                guard HeaderNames.equals(name, "connection") else { continue }
                var values: [String] = []
                addConnectionNamed(String(decoding: bytes[field.value], as: UTF8.self), to: &values)
                named += values.map { Array($0.utf8) }
            }
            for field in raw.fields {
                let name = UnsafeRawBufferPointer(rebasing: bytes[field.name])
                switch FieldRule.of(name) {
                case .drop:
                    continue
                case .forwardedFor:
                    forwardedFor.append(field.value)
                    continue
                case .forwardedProto:
                    forwardedProto = forwardedProto ?? field.value
                    continue
                case .forwardedHost:
                    forwardedHost = forwardedHost ?? field.value
                    continue
                case .host:
                    clientHost = field.value
                    continue
                case .contentLength:
                    hasLength = true
                case .forward:
                    if !named.isEmpty && named.contains(where: { HeaderNames.equalsIgnoringASCIICase(name, $0) }) {
                        continue
                    }
                }
                out.writeBytes(name)
                out.writeStaticString(": ")
                out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[field.value]))
                out.writeStaticString("\r\n")
            }
            if context.hasBody && !hasLength { out.writeStaticString("Transfer-Encoding: chunked\r\n") }
            out.writeStaticString("X-Forwarded-For: ")
            if context.peer.isTrusted {
                for range in forwardedFor {
                    out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[range]))
                    out.writeStaticString(", ")
                }
            }
            out.writeString(context.peer.text)
            out.writeStaticString("\r\nX-Forwarded-Proto: ")
            if context.peer.isTrusted, let proto = forwardedProto {
                out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[proto]))
            } else {
                out.writeStaticString(context.peer.isSecure ? "https" : "http")
            }
            out.writeStaticString("\r\n")
            if let host = (context.peer.isTrusted ? forwardedHost : nil) ?? clientHost {
                out.writeStaticString("X-Forwarded-Host: ")
                out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[host]))
                out.writeStaticString("\r\n")
            }
        }
        out.writeStaticString("X-Request-ID: ")
        out.writeString(context.requestID)
        out.writeStaticString("\r\n")
        if let identity = context.identity {
            out.writeStaticString("X-User-ID: ")
            out.writeString(identity.userID)
            out.writeStaticString("\r\nX-User-Roles: ")
            out.writeString(identity.rolesHeaderValue)
            out.writeStaticString("\r\n")
        }
        out.writeStaticString("\r\n")
        return out
    }
}
