import GatewayCore

/// Minimal JSON writing for the stand-ins' fixed-shape replies.
///
/// Hand-written rather than `JSONSerialization` so that key order is stable (readable in
/// a terminal) and so that no Foundation type crosses an event loop.
struct JSONObjectWriter {
    private var members: [String] = []

    mutating func add(_ key: String, _ value: String?) {
        members.append("\(JSONText.quoted(key)):\(value.map(JSONText.quoted) ?? "null")")
    }

    mutating func add(_ key: String, _ value: Int) {
        members.append("\(JSONText.quoted(key)):\(value)")
    }

    mutating func add(_ key: String, _ value: Int64) {
        members.append("\(JSONText.quoted(key)):\(value)")
    }

    var text: String { "{" + members.joined(separator: ",") + "}" }
}

enum JSONText {
    /// `s` as a JSON string literal, escaped as the gateway escapes its own JSON.
    static func quoted(_ s: String) -> String {
        var out = ""
        JSONEscaping.appendQuoted(s, to: &out)
        return out
    }

    /// The stand-ins' error body, shaped like the gateway's own errors (SPEC §11).
    static func error(_ code: String, _ message: String) -> String {
        var writer = JSONObjectWriter()
        writer.add("error", code)
        writer.add("message", message)
        return writer.text
    }
}
