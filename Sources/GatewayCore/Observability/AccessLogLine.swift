/// One access-log line (SPEC §13), JSON or text, appended as bytes to a buffer.
///
/// Every client-supplied string is escaped so that no byte can end the line or forge another.
/// Never a token, cookie or Authorization value: the record holds none.
struct AccessLogLine {
    static let maxPathBytes = 1024

    var clock = TimestampCache()
    /// The last client address and its text: consecutive lines mostly share it.
    private var lastClient: (IPAddress, [UInt8])?

    /// `,"route":"…","service":"…"` per route (key -1: no route): the same few strings on every
    /// line. A label number always stands for the same pattern and service.
    private var routeFragments: [Int: [UInt8]] = [:]

    private mutating func routeFragment(_ audit: RequestAudit) -> [UInt8] {
        let key = audit.routeLabel ?? -1
        if let fragment = routeFragments[key] { return fragment }
        var fragment: [UInt8] = []
        fragment.append(estimate: 64) { w in
            w.put(#","route":"#)
            Self.putJSONString(audit.routePattern ?? "unmatched", into: &w)
            w.put(#","service":""#)
            w.put(audit.service?.rawValue ?? "gateway")
            w.put(UInt8(ascii: "\""))
        }
        routeFragments[key] = fragment
        return fragment
    }

    private mutating func clientText(_ address: IPAddress) -> [UInt8] {
        if let (last, text) = lastClient, last == address { return text }
        let text = Array(address.description.utf8)
        lastClient = (address, text)
        return text
    }

    mutating func appendJSON(_ r: borrowing CompletedRequest, to out: inout [UInt8]) {
        let stamp = clock.stamp(WallClock.now())
        let route = routeFragment(r.audit)
        let client = clientText(r.audit.clientAddress)
        let path = Self.cut(r.path)
        // One pass into the array's memory; escaping rarely grows a value, and when it does the
        // writer runs again with the room it asked for.
        let estimate =
            240 + r.method.utf8.count + path.utf8.count + route.count + client.count + r.requestID.utf8Count
            + (r.upstreamError?.utf8.count ?? 0) + (r.audit.identity?.userID.utf8.count ?? 0)
        out.append(estimate: estimate) { w in
            w.put(#"{"ts":""#)
            stamp.write(into: &w)
            w.put(#"","msg":"access","method":"#)
            Self.putJSONString(r.method, into: &w)
            w.put(#","path":"#)
            Self.putJSONString(path, into: &w)
            route.withUnsafeBytes { w.put($0) }
            w.put(#","status":"#)
            Self.putInteger(r.status, into: &w)
            w.put(#","duration_ms":"#)
            Self.putMillis(r.duration, into: &w)
            w.put(#","upstream_ms":"#)
            if let upstream = r.upstreamTime { Self.putMillis(upstream, into: &w) } else { w.put("null") }
            w.put(#","upstream_error":"#)
            if let failure = r.upstreamError { Self.putJSONString(failure, into: &w) } else { w.put("null") }
            w.put(#","user_id":"#)
            if let identity = r.audit.identity {
                Self.putJSONString(identity.userID, into: &w)
            } else {
                w.put("null")
            }
            w.put(#","client":""#)
            client.withUnsafeBytes { w.put($0) }
            w.put(#"","request_id":"#)
            Self.putJSONString(r.requestID, into: &w)
            w.put("}\n")
        }
    }

    /// A JSON string: ASCII text without `"`, `\\` or controls (ids, paths, routes) is copied as it
    /// is; anything else goes through `JSONEscaping`, the one set of JSON rules of the gateway.
    static func putJSONString(_ text: some StringProtocol, into w: inout ByteWriter) {
        withBytes(text) { bytes in
            if ByteScan.isPlainText(UnsafeRawBufferPointer(bytes), allowHigh: false) {
                w.put(UInt8(ascii: "\""))
                w.put(UnsafeRawBufferPointer(bytes))
                w.put(UInt8(ascii: "\""))
            } else {
                var escaped = ""
                JSONEscaping.appendQuoted(text, to: &escaped)
                w.put(escaped)
            }
        }
    }

    /// A request id as a JSON string: a minted one written from its bits, no `String` made.
    static func putJSONString(_ id: RequestID, into w: inout ByteWriter) {
        if id.isPlainText { putQuoted(id, into: &w) } else { putJSONString(id.description, into: &w) }
    }

    private static func putQuoted(_ id: RequestID, into w: inout ByteWriter) {
        w.put(UInt8(ascii: "\""))
        id.write(into: &w)
        w.put(UInt8(ascii: "\""))
    }

    static func putInteger(_ value: Int, into w: inout ByteWriter) {
        if value < 0 { w.put(UInt8(ascii: "-")) }
        w.putDecimal(UInt64(value.magnitude))
    }

    /// Milliseconds with three decimals.
    static func putMillis(_ seconds: Double, into w: inout ByteWriter) {
        let micros = max(0, Int((seconds * 1_000_000).rounded()))
        w.putDecimal(UInt64(micros / 1000))
        w.put(UInt8(ascii: "."))
        let frac = micros % 1000
        w.put(UInt8(ascii: "0") + UInt8(frac / 100))
        w.put(UInt8(ascii: "0") + UInt8(frac / 10 % 10))
        w.put(UInt8(ascii: "0") + UInt8(frac % 10))
    }

    mutating func appendText(_ r: borrowing CompletedRequest, to out: inout [UInt8]) {
        clock.append(WallClock.now(), to: &out)
        Self.put(" access ", &out)
        Self.appendQuoted(r.method, to: &out)
        out.append(UInt8(ascii: " "))
        Self.appendQuoted(Self.cut(r.path), to: &out)
        Self.put(" status=", &out)
        out.append(estimate: 20) { Self.putInteger(r.status, into: &$0) }
        Self.put(" route=", &out)
        Self.appendQuoted(r.audit.routePattern ?? "unmatched", to: &out)
        Self.put(" service=", &out)
        out.append(contentsOf: (r.audit.service?.rawValue ?? "gateway").utf8)
        Self.put(" duration_ms=", &out)
        out.append(estimate: 24) { Self.putMillis(r.duration, into: &$0) }
        Self.put(" upstream_ms=", &out)
        if let upstream = r.upstreamTime {
            out.append(estimate: 24) { Self.putMillis(upstream, into: &$0) }
        } else {
            out.append(UInt8(ascii: "-"))
        }
        if let failure = r.upstreamError {
            Self.put(" upstream_error=", &out)
            Self.appendQuoted(failure, to: &out)
        }
        Self.put(" user=", &out)
        if let user = r.audit.userID { Self.appendQuoted(user, to: &out) } else { out.append(UInt8(ascii: "-")) }
        Self.put(" client=", &out)
        out.append(contentsOf: clientText(r.audit.clientAddress))
        Self.put(" request_id=", &out)
        if r.requestID.isPlainText {
            out.append(estimate: r.requestID.utf8Count + 2) { Self.putQuoted(r.requestID, into: &$0) }
        } else {
            Self.appendQuoted(r.requestID.description, to: &out)
        }
        out.append(UInt8(ascii: "\n"))
    }

    /// Appends a literal with one copy.
    @inline(__always)
    static func put(_ text: StaticString, _ out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// The path cut to 1 KiB (paths are ASCII: NIO's parser refuses other raw bytes, and such
    /// requests are logged with path `-`; a cut never splits a character).
    static func cut(_ path: Substring) -> Substring {
        guard path.utf8.count > maxPathBytes else { return path }
        return Substring(path.utf8.prefix(maxPathBytes))
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// Text-format quoting: bytes outside 0x20–0x7E as `\xNN`, `"` and `\` escaped.
    static func appendQuoted(_ text: some StringProtocol, to out: inout [UInt8]) {
        withBytes(text) { bytes in
            if !appendPlain(bytes, to: &out, allowHigh: false) { appendTextEscaped(bytes, to: &out) }
        }
    }

    private static func withBytes(_ text: some StringProtocol, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        // A native String or Substring is contiguous: its bytes in place, no copy of the value
        // (`as? String` made one: a retain and a release per field).
        if text.utf8.withContiguousStorageIfAvailable(body) == nil {
            var string = String(text)
            string.withUTF8(body)
        }
    }

    /// The common case, one bulk copy between quotes: false (and nothing written) when some byte
    /// needs escaping.
    @inline(__always)
    private static func appendPlain(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8], allowHigh: Bool) -> Bool
    {
        guard ByteScan.isPlainText(UnsafeRawBufferPointer(bytes), allowHigh: allowHigh) else { return false }
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: bytes)
        out.append(UInt8(ascii: "\""))
        return true
    }

    /// Copies runs that need no escaping in bulk; only the rare byte that does is written alone.
    private static func appendTextEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var start = 0
        for i in 0..<bytes.count {
            let byte = bytes[i]
            if byte >= 0x20 && byte <= 0x7E && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
            start = i + 1
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            default: out.append(contentsOf: [0x5C, 0x78, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        out.append(UInt8(ascii: "\""))
    }

    static func quoted(_ text: some StringProtocol) -> String {
        var out: [UInt8] = []
        appendQuoted(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

}

/// RFC 3339 UTC timestamps with milliseconds; the date part is formatted once per second.
struct TimestampCache {
    private var second: Int = -1
    private var prefix: [UInt8] = []

    /// One instant's text: the cached `YYYY-MM-DDTHH:MM:SS.` and its milliseconds.
    struct Stamp {
        var prefix: [UInt8]
        var millis: Int

        func write(into w: inout ByteWriter) {
            prefix.withUnsafeBytes { w.put($0) }
            w.put(UInt8(ascii: "0") + UInt8(millis / 100))
            w.put(UInt8(ascii: "0") + UInt8(millis / 10 % 10))
            w.put(UInt8(ascii: "0") + UInt8(millis % 10))
            w.put(UInt8(ascii: "Z"))
        }
    }

    mutating func stamp(_ unixSeconds: Double) -> Stamp {
        let whole = Int(unixSeconds)
        if whole != second {
            second = whole
            let text = Timestamp.iso8601(Double(whole))
            prefix = Array(text.utf8.prefix(20))  // "YYYY-MM-DDTHH:MM:SS."
        }
        return Stamp(prefix: prefix, millis: min(999, max(0, Int((unixSeconds - Double(whole)) * 1000))))
    }

    mutating func append(_ unixSeconds: Double, to out: inout [UInt8]) {
        let stamp = stamp(unixSeconds)
        out.append(estimate: 24) { stamp.write(into: &$0) }
    }
}
