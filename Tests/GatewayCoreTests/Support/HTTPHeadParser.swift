/// Parses a response head (status line and header lines, CRLF-separated, ending in an
/// empty line) without normalising anything, so tests can assert on exact wire output.
enum HTTPHeadParser {
    struct Head {
        var version: String
        var status: Int
        var reason: String
        var headers: [(String, String)]
        var raw: String
    }

    static func parse(_ bytes: [UInt8]) throws -> Head {
        let raw = latin1(bytes)
        var lines = crlfLines(bytes).map(latin1)
        while lines.last == "" { lines.removeLast() }
        guard let statusLine = lines.first else { throw RawHTTPError.malformed("empty head") }
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), parts[1].count == 3, let status = Int(parts[1]) else {
            throw RawHTTPError.malformed("status line \(statusLine.debugDescription)")
        }
        let headers = try lines.dropFirst().map(parseField)
        return Head(
            version: String(parts[0]),
            status: status,
            reason: parts.count > 2 ? String(parts[2]) : "",
            headers: headers,
            raw: raw
        )
    }

    /// `Name: value` with optional white space around the value trimmed.
    static func parseField(_ line: String) throws -> (String, String) {
        guard let colon = line.firstIndex(of: ":") else {
            throw RawHTTPError.malformed("header line without colon: \(line.debugDescription)")
        }
        return (String(line[..<colon]), line[line.index(after: colon)...].trimmingSpaces())
    }

    /// Splits at CRLF only: a bare CR or LF stays inside its line, visible to asserts.
    static func crlfLines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = 0
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == 13, bytes[i + 1] == 10 {
                lines.append(bytes[lineStart..<i])
                i += 2
                lineStart = i
            } else {
                i += 1
            }
        }
        lines.append(bytes[lineStart...])
        return lines
    }

    /// Byte-for-character decoding: unlike UTF-8 it keeps every byte visible to asserts.
    static func latin1(_ bytes: some Sequence<UInt8>) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}
