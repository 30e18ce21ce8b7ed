/// Where a Redis server is and how to log in: `redis://[[user]:password@]host[:port][/db]`.
///
/// The password is never part of `description` or of a parse error, so either can be logged.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int

    public init(host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Why a URL was refused; never quotes the password.
    public struct ParseError: Error, Equatable, Sendable {
        public let reason: String
    }

    public init(parsing text: String) throws(ParseError) {
        func refuse(_ reason: String) -> ParseError { ParseError(reason: reason) }
        let lowered = text.lowercased()
        if lowered.hasPrefix("rediss://") { throw refuse("TLS to Redis (rediss://) is not supported") }
        guard lowered.hasPrefix("redis://") else { throw refuse("expected redis://[:password@]host[:port][/db]") }
        var rest = Substring(text.dropFirst("redis://".count))
        if rest.contains("?") || rest.contains("#") { throw refuse("query and fragment are not supported") }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var username: String? = nil
        var password: String? = nil
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            guard let colon = userinfo.firstIndex(of: ":") else {
                throw refuse("expected :password@ or user:password@ before the host")
            }
            guard let user = Self.percentDecoded(userinfo[..<colon]),
                let secret = Self.percentDecoded(userinfo[userinfo.index(after: colon)...])
            else { throw refuse("bad percent-encoding in the user or password") }
            username = user.isEmpty ? nil : user
            password = secret
        }
        var host: Substring
        var portText: Substring? = nil
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw refuse("unclosed [ in the host") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw refuse("unexpected text after the host") }
                portText = after.dropFirst()
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw refuse("bad IPv6 host")
            }
        } else {
            if let colon = rest.firstIndex(of: ":") {
                host = rest[..<colon]
                portText = rest[rest.index(after: colon)...]
            } else {
                host = rest
            }
            let allowed = { (c: Character) in
                c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-" || c == "_")
            }
            guard !host.isEmpty, host.allSatisfy(allowed) else { throw refuse("missing or bad host") }
        }
        var port = 6379
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                let number = Int(portText), (1...65535).contains(number)
            else { throw refuse("expected a port 1-65535") }
            port = number
        }
        var database = 0
        if !path.isEmpty {
            guard path.count <= 9, path.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(path) else {
                throw refuse("expected a database number after /")
            }
            database = number
        }
        self.init(host: String(host), port: port, username: username, password: password, database: database)
    }

    /// The URL with the password replaced by `***`.
    public var description: String {
        var text = "redis://"
        if password != nil { text += (username ?? "") + ":***@" }
        text += host.contains(":") ? "[\(host)]" : host
        text += ":\(port)"
        if database != 0 { text += "/\(database)" }
        return text
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue)
            else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
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
