/// One access-log line (SPEC §13), JSON or text; every client-supplied string is escaped so that
/// no byte can end the line or forge another. Never a token, cookie or Authorization value.
enum AccessLogLine {
    static func json(_ r: CompletedRequest) -> String {
        var out = "{\"ts\":\"" + Timestamp.iso8601(WallClock.now()) + "\",\"msg\":\"access\",\"method\":"
        JSONEscaping.appendQuoted(r.method, to: &out)
        out += ",\"path\":"
        JSONEscaping.appendQuoted(cut(r.path), to: &out)
        out += ",\"route\":"
        JSONEscaping.appendQuoted(r.audit.routePattern ?? "unmatched", to: &out)
        out += ",\"service\":\"" + (r.audit.service?.rawValue ?? "gateway") + "\""
        out += ",\"status\":" + String(r.status)
        out += ",\"duration_ms\":" + millis(r.duration)
        out += ",\"upstream_ms\":" + (r.upstreamTime.map(millis) ?? "null")
        out += ",\"user_id\":"
        if let user = r.audit.userID { JSONEscaping.appendQuoted(user, to: &out) } else { out += "null" }
        out += ",\"client\":\"" + r.audit.clientAddress.description + "\""
        out += ",\"request_id\":"
        JSONEscaping.appendQuoted(r.requestID, to: &out)
        out += "}\n"
        return out
    }

    static func text(_ r: CompletedRequest) -> String {
        var out = Timestamp.iso8601(WallClock.now()) + " access "
        out += quoted(r.method) + " " + quoted(cut(r.path)) + " status=" + String(r.status)
        out += " route=" + quoted(r.audit.routePattern ?? "unmatched")
        out += " service=" + (r.audit.service?.rawValue ?? "gateway")
        out += " duration_ms=" + millis(r.duration)
        out += " upstream_ms=" + (r.upstreamTime.map(millis) ?? "-")
        out += " user=" + (r.audit.userID.map(quoted) ?? "-")
        out += " client=" + r.audit.clientAddress.description
        out += " request_id=" + quoted(r.requestID) + "\n"
        return out
    }

    /// The path cut to 1 KiB on a character boundary.
    static func cut(_ path: Substring) -> Substring {
        guard path.utf8.count > AccessLogWriter.maxPathBytes else { return path }
        var end = path.utf8.index(path.utf8.startIndex, offsetBy: AccessLogWriter.maxPathBytes)
        while !path.unicodeScalars.indices.contains(end) && end > path.startIndex { end = path.utf8.index(before: end) }
        return path[..<end]
    }

    /// Text-format quoting: bytes outside 0x20–0x7E, `"` and `\` escaped.
    static func quoted(_ text: some StringProtocol) -> String {
        var out = "\""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "\\"): out += "\\\\"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out + "\""
    }

    static func millis(_ seconds: Double) -> String {
        let micros = Int((seconds * 1_000_000).rounded())
        let whole = micros / 1000
        let frac = micros % 1000
        return String(whole) + "." + (frac < 10 ? "00" : frac < 100 ? "0" : "") + String(frac)
    }
}
