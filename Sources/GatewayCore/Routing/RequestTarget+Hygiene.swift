/// The path checks of SPEC §10, done on the raw target before routing.
///
/// Anything that a decoding proxy or backend could read as a different path is refused, so that
/// matching on the path as received is safe.
extension RequestTarget {
    public static func parse(_ uri: String) -> Result<RequestTarget, HygieneViolation> {
        // One pass over contiguous bytes: every request pays for this. Read in place (a native
        // string always is contiguous); `withUTF8` would copy the string first.
        let scan =
            uri.utf8.withContiguousStorageIfAvailable { scanTarget($0) }
            ?? {
                var copy = uri
                return copy.withUTF8 { scanTarget($0) }
            }()
        switch scan {
        case .failure(let violation):
            return .failure(violation)
        case .success(let queryMark):
            let full = Substring(uri)
            guard let queryMark else { return .success(RequestTarget(path: full, query: nil)) }
            let mark = full.utf8.index(full.startIndex, offsetBy: queryMark)
            return .success(RequestTarget(path: full[..<mark], query: full[full.utf8.index(after: mark)...]))
        }
    }

    /// Checks the target; on success returns the offset of the `?` that starts the query, if any.
    private static func scanTarget(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Int?, HygieneViolation> {
        guard bytes.first == UInt8(ascii: "/") else { return .failure(.notOriginForm) }
        var segment = DotSegmentScanner()
        var i = 0
        let n = bytes.count
        while i < n {
            let byte = bytes[i]
            if byte < 0x21 || byte > 0x7E { return .failure(.forbiddenByte) }
            switch byte {
            case UInt8(ascii: "?"):
                if segment.isDotSegment { return .failure(.dotSegment) }
                var j = i + 1
                while j < n {
                    let q = bytes[j]
                    if q < 0x21 || q > 0x7E { return .failure(.forbiddenByte) }
                    if q == UInt8(ascii: "#") { return .failure(.notOriginForm) }
                    j += 1
                }
                return .success(i)
            case UInt8(ascii: "#"):
                return .failure(.notOriginForm)
            case UInt8(ascii: "/"):
                if segment.isDotSegment { return .failure(.dotSegment) }
                segment = DotSegmentScanner()
            case UInt8(ascii: "\\"):
                return .failure(.backslash)
            case UInt8(ascii: "%"):
                guard i + 2 < n, let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2]) else {
                    // A cut-off escape is malformed unless a raw bad byte comes first.
                    for k in (i + 1)..<n where bytes[k] < 0x21 || bytes[k] > 0x7E { return .failure(.forbiddenByte) }
                    return .failure(.badPercentEncoding)
                }
                let decoded = high << 4 | low
                if decoded < 0x20 || decoded == 0x7F { return .failure(.controlCharacter) }
                if decoded == UInt8(ascii: "/") || decoded == UInt8(ascii: "\\") { return .failure(.encodedSlash) }
                segment.feed(decoded)
                i += 3
                continue
            default:
                segment.feed(byte)
            }
            i += 1
        }
        return segment.isDotSegment ? .failure(.dotSegment) : .success(nil)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Tracks whether a segment, cut at its first `;` and with `%2e` decoded, is `.` or `..`.
private struct DotSegmentScanner {
    private var dots = 0
    private var other = false
    private var parameters = false

    mutating func feed(_ decoded: UInt8) {
        if parameters { return }
        if decoded == UInt8(ascii: ";") {
            parameters = true
        } else if decoded == UInt8(ascii: ".") {
            dots += 1
        } else {
            other = true
        }
    }

    var isDotSegment: Bool { !other && (dots == 1 || dots == 2) }
}

/// Host header rule of SPEC §10: present once, `host[:port]`.
public enum HostHeaderRule {
    public static func isValid(_ value: String) -> Bool {
        // In place (a native string is contiguous); a copy for `withUTF8` cost a count.
        if let valid = value.utf8.withContiguousStorageIfAvailable({ isValid(bytes: $0) }) { return valid }
        var copy = value
        return copy.withUTF8 { isValid(bytes: $0) }
    }

    private static func isValid(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return false }
        var hostEnd = bytes.count
        var portStart: Int? = nil
        if bytes[0] == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")), close > 1 else { return false }
            for b in bytes[1..<close] where !(isHex(b) || b == UInt8(ascii: ":") || b == UInt8(ascii: ".")) {
                return false
            }
            if close + 1 < bytes.count {
                guard bytes[close + 1] == UInt8(ascii: ":") else { return false }
                portStart = close + 2
            }
        } else {
            if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
                hostEnd = colon
                portStart = colon + 1
            }
            guard hostEnd > 0 else { return false }
            for b in bytes[0..<hostEnd] where !isRegNameByte(b) { return false }
        }
        if let portStart {
            let port = bytes[portStart...]
            guard !port.isEmpty, port.count <= 5 else { return false }
            for b in port where b < 0x30 || b > 0x39 { return false }
        }
        return true
    }

    private static func isHex(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }

    /// RFC 3986 reg-name: unreserved, pct-encoded and sub-delims.
    private static func isRegNameByte(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "%"): true
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="):
            true
        default: false
        }
    }
}
