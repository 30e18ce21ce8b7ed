import Logging
import RESP

/// Typed reads of environment variables, each failure naming its variable.
struct EnvironmentReader {
    private let env: [String: String]

    init(_ env: [String: String]) { self.env = env }

    func string(_ name: String, default value: String, nonEmpty: Bool) throws(ConfigurationError) -> String {
        guard let raw = env[name] else { return value }
        if nonEmpty && raw.isEmpty { throw ConfigurationError(name, value: raw, "must not be empty") }
        return raw
    }

    func port(_ name: String, default value: Int, allowZero: Bool = false) throws(ConfigurationError) -> Int {
        guard let raw = env[name] else { return value }
        guard let n = Int(raw), raw.allSatisfy(\.isASCII), (allowZero ? 0 : 1)...65535 ~= n else {
            throw ConfigurationError(
                name, value: raw, allowZero ? "expected a port 0-65535" : "expected a port 1-65535")
        }
        return n
    }

    /// A positive 64-bit integer (or zero where allowed); signs, spaces and fractions are refused.
    func integer(_ name: String, default value: Int64, allowZero: Bool = false) throws(ConfigurationError) -> Int64 {
        guard let raw = env[name] else { return value }
        guard !raw.isEmpty, raw.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let n = Int64(raw)
        else {
            throw ConfigurationError(name, value: raw, "expected a whole number")
        }
        if n == 0 && !allowZero { throw ConfigurationError(name, value: raw, "must be greater than zero") }
        return n
    }

    /// A Redis URL; the error shows the value with its user information masked, never a password.
    func redisURL(_ name: String) throws(ConfigurationError) -> RedisURL? {
        guard let raw = env[name], !raw.isEmpty else { return nil }
        do {
            return try RedisURL(parsing: raw)
        } catch {
            var shown = raw
            if let at = raw.lastIndex(of: "@") {
                let start = raw.firstRange(of: "://")?.upperBound ?? raw.startIndex
                if start <= at { shown = String(raw[..<start]) + "***" + String(raw[at...]) }
            }
            throw ConfigurationError(name, value: shown, error.reason)
        }
    }

    func cidrList(_ name: String) throws(ConfigurationError) -> [CIDR] {
        guard let raw = env[name] else { return [] }
        var out: [CIDR] = []
        for item in raw.split(separator: ",") {
            let trimmed = item.trimmingASCIISpaces()
            if trimmed.isEmpty { continue }
            guard let cidr = CIDR(parsing: trimmed) else {
                throw ConfigurationError(name, value: raw, "bad CIDR \"\(trimmed)\"")
            }
            out.append(cidr)
        }
        return out
    }

    func origins(_ name: String) throws(ConfigurationError) -> CORSOrigins {
        guard let raw = env[name] else { return .any }
        let items = raw.split(separator: ",").map { String($0.trimmingASCIISpaces()) }.filter { !$0.isEmpty }
        if items.isEmpty || items == ["*"] { return .any }
        for item in items where item == "*" || item == "null" || !item.contains("://") {
            throw ConfigurationError(name, value: raw, "expected * or a list of origins like https://app.example")
        }
        return .list(Set(items))
    }

    func logLevel(_ name: String, default value: Logger.Level) throws(ConfigurationError) -> Logger.Level {
        guard let raw = env[name] else { return value }
        let lowered = raw.lowercased()
        if lowered == "warn" { return .warning }
        guard let level = Logger.Level(rawValue: lowered) else {
            throw ConfigurationError(
                name, value: raw, "expected trace, debug, info, notice, warning, error or critical")
        }
        return level
    }
}

extension Substring {
    func trimmingASCIISpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
