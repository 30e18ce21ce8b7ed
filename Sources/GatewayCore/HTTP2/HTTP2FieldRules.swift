public import NIOHPACK

/// The checks of RFC 9113 §8.2–§8.3 on a header block a client sent, done here instead of by NIO.
///
/// NIO checks blocks in both directions behind one switch, and its checks cost about 50k
/// instructions per proxied GET over HTTP/2 (callgrind), 30k of them on the response block the
/// gateway wrote itself from fields it had already checked (the upstream parser refuses control
/// bytes, `ClientResponseHead` drops hop-by-hop fields, names are lower-cased). The same rules for
/// what a client sends run here in one pass over contiguous bytes; a violation resets the stream
/// with PROTOCOL_ERROR, as NIO did. Content-length against DATA is still NIO's (its own switch).
public enum HTTP2FieldRules {
    public enum Violation: Error, Equatable, Sendable {
        /// A name that is not a lower-case token (§8.2, §8.2.1), pseudo-fields' included.
        case badName
        /// A pseudo-field after a regular field (§8.3).
        case pseudoAfterRegular
        /// A pseudo-field a request may not carry, or one that is repeated (§8.3, §8.3.1).
        case badPseudo
        /// Control bytes, SP or DEL in a pseudo-field's value: it becomes part of the request
        /// line upstream (as NIO: SP would make that line ambiguous).
        case badPseudoValue
        /// NUL, CR or LF in a field value (§8.2.1): smuggling bytes for the HTTP/1.1 upstream.
        case badValue
        /// Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding or Upgrade (§8.2.2).
        case connectionSpecific
        /// TE other than `trailers` (§8.2.2).
        case badTE
        /// Missing `:method`, `:scheme` or `:path` (or, for CONNECT, `:authority`), or an empty
        /// `:path` (§8.3.1, §8.5).
        case missingPseudo
    }

    /// The first rule a request's header block breaks, nil when it keeps them all.
    public static func requestViolation(_ block: HPACKHeaders) -> Violation? {
        var seen: UInt8 = 0
        var inRegular = false
        var isConnect = false
        for (name, value, _) in block {
            if name.utf8.first == UInt8(ascii: ":") {
                if inRegular { return .pseudoAfterRegular }
                guard withBytes(name, { isToken($0, from: 1) }) else { return .badName }
                guard !withBytes(value, hasControlOrSpace) else { return .badPseudoValue }
                let bit: UInt8
                switch name {
                case ":path": bit = Pseudo.path
                case ":method": bit = Pseudo.method
                case ":scheme": bit = Pseudo.scheme
                case ":authority": bit = Pseudo.authority
                default: return .badPseudo
                }
                if seen & bit != 0 { return .badPseudo }
                seen |= bit
                if bit == Pseudo.method { isConnect = value == "CONNECT" }
                if bit == Pseudo.path && value.isEmpty { return .missingPseudo }
            } else {
                inRegular = true
                if let violation = regularViolation(name, value) { return violation }
                if name.utf8.count == 2 && name == "te" && value != "trailers" { return .badTE }
            }
        }
        if isConnect {
            // CONNECT names a host:port only (§8.5); the pipeline then answers 405.
            return seen == Pseudo.method | Pseudo.authority ? nil : .missingPseudo
        }
        let required = Pseudo.method | Pseudo.scheme | Pseudo.path
        return seen & required == required ? nil : .missingPseudo
    }

    /// The first rule a trailer block breaks: no pseudo-fields at all (§8.1), and the rules of
    /// every regular field.
    public static func trailersViolation(_ block: HPACKHeaders) -> Violation? {
        for (name, value, _) in block {
            if name.utf8.first == UInt8(ascii: ":") { return .badPseudo }
            if let violation = regularViolation(name, value) { return violation }
        }
        return nil
    }

    private enum Pseudo {
        static let path: UInt8 = 1
        static let method: UInt8 = 2
        static let scheme: UInt8 = 4
        static let authority: UInt8 = 8
    }

    private static func regularViolation(_ name: String, _ value: String) -> Violation? {
        let nameViolation: Violation? = withBytes(name) { bytes in
            guard isToken(bytes, from: 0) else { return .badName }
            return HeaderNames.isConnectionSpecific(bytes) ? .connectionSpecific : nil
        }
        if let nameViolation { return nameViolation }
        return withBytes(value, hasLineOrNUL) ? .badValue : nil
    }

    /// NUL, LF or CR anywhere: one compare per byte for the common bytes (a JWT is ~200 of them).
    private static func hasLineOrNUL(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for index in 0..<bytes.count where bytes[index] <= 0x0D {
            let byte = bytes[index]
            if byte == 0 || byte == 0x0A || byte == 0x0D { return true }
        }
        return false
    }

    /// RFC 9110 §5.6.2's `tchar`, without A–Z (HTTP/2 names are lower case), at least one, from
    /// `start` on. Indexed loops: the generic `allSatisfy` and `dropFirst` cost ~2k instructions
    /// per request.
    private static func isToken(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Bool {
        guard bytes.count > start else { return false }
        for index in start..<bytes.count {
            let byte = bytes[index]
            guard ByteScan.isTokenByte(byte), byte &- 0x41 >= 26 else { return false }
        }
        return true
    }

    /// A control byte, SP or DEL.
    private static func hasControlOrSpace(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for index in 0..<bytes.count where bytes[index] <= 0x20 || bytes[index] == 0x7F { return true }
        return false
    }

    /// `body` on the text's bytes, read in place (a decoded field is a native, contiguous string;
    /// through a `Substring` the same read cost ~3k instructions per request).
    @inline(__always)
    private static func withBytes<R>(_ text: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let result = text.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        var copy = text
        return copy.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }
}
