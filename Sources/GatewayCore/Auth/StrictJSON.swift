/// A parsed JSON value. Objects keep their members in order as an array:
/// JWT headers and claim sets are small, so a linear lookup is cheaper than
/// hashing.
enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The value of `key` in an object; `nil` when absent or not an object.
    ///
    /// Keys compare byte for byte: `String ==` would treat canonically
    /// equivalent spellings (U+212A KELVIN SIGN and `K`) as one key.
    subscript(key: StaticString) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        let wanted = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        for member in members where member.key.utf8.elementsEqual(wanted) { return member.value }
        return nil
    }
}

struct JSONMember: Equatable, Sendable {
    let key: String
    let value: JSONValue
}

/// Why a document was refused. A repeated key is told apart because the
/// verifier counts it as a claims failure, not as malformed input.
enum JSONError: Error, Equatable {
    case syntax
    case duplicateKey
    case tooDeep
}

/// A strict RFC 8259 parser for the JWT header and payload.
///
/// Strict where JWT libraries disagree, so the gateway and a backend can
/// never read one token two ways: a key repeated in any object is an error
/// (keys compared after unescaping), as are lone surrogates, invalid UTF-8,
/// numbers that overflow a Double, trailing bytes and nesting deeper than
/// `maxDepth`.
enum StrictJSON {
    static let maxDepth = 32

    static func parse(_ bytes: [UInt8]) -> Result<JSONValue, JSONError> {
        bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer)
            do throws(JSONError) {
                parser.skipWhitespace()
                let value = try parser.parseValue(depth: 0)
                parser.skipWhitespace()
                guard parser.position == buffer.count else { throw .syntax }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = current,
                byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
            {
                position += 1
            }
        }

        mutating func expect(_ literal: StaticString) throws(JSONError) {
            let count = literal.utf8CodeUnitCount
            guard bytes.count - position >= count else { throw .syntax }
            for i in 0..<count where bytes[position + i] != literal.utf8Start[i] {
                throw .syntax
            }
            position += count
        }

        mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
            guard let byte = current else { throw .syntax }
            switch byte {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"):
                try expect("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try expect("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try expect("null")
                return .null
            default: return .number(try parseNumber())
            }
        }

        mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
            guard depth <= StrictJSON.maxDepth else { throw .tooDeep }
            position += 1  // {
            var members: [JSONMember] = []
            var seen: Set<String>? = nil  // built once an object grows, to keep checks linear
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                guard current == UInt8(ascii: "\"") else { throw .syntax }
                let key = try parseString()
                if seen == nil, members.count >= 8 { seen = Set(members.map(\.key)) }
                if seen != nil {
                    guard seen!.insert(key).inserted else { throw .duplicateKey }
                } else {
                    for member in members where member.key == key { throw .duplicateKey }
                }
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw .syntax }
                position += 1
                skipWhitespace()
                let value = try parseValue(depth: depth)
                members.append(JSONMember(key: key, value: value))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","):
                    position += 1
                    skipWhitespace()
                case UInt8(ascii: "}"):
                    position += 1
                    return .object(members)
                default:
                    throw .syntax
                }
            }
        }

        mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
            guard depth <= StrictJSON.maxDepth else { throw .tooDeep }
            position += 1  // [
            var elements: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                elements.append(try parseValue(depth: depth))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","):
                    position += 1
                    skipWhitespace()
                case UInt8(ascii: "]"):
                    position += 1
                    return .array(elements)
                default:
                    throw .syntax
                }
            }
        }

        /// Parses a string starting at its opening quote.
        mutating func parseString() throws(JSONError) -> String {
            position += 1  // "
            let start = position
            // Fast path: no escapes, so the bytes are the string.
            while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                guard byte >= 0x20 else { throw .syntax }
                position += 1
            }
            guard let stop = current else { throw .syntax }
            if stop == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<position])
                position += 1
                guard let string = String(validating: raw, as: UTF8.self) else { throw .syntax }
                return string
            }
            var decoded = Array(bytes[start..<position])
            while true {
                guard let byte = current else { throw .syntax }
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let string = String(validating: decoded, as: UTF8.self) else { throw .syntax }
                    return string
                case UInt8(ascii: "\\"):
                    try parseEscape(into: &decoded)
                case 0..<0x20:
                    throw .syntax
                default:
                    decoded.append(byte)
                }
            }
        }

        /// Parses the escape after a backslash, appending its UTF-8.
        mutating func parseEscape(into decoded: inout [UInt8]) throws(JSONError) {
            guard let byte = current else { throw .syntax }
            position += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(byte)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    try expect("\\u")
                    let low = try parseHex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw .syntax }
                    scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw .syntax }  // lone low surrogate
                decoded.append(contentsOf: unicode.utf8)
            default:
                throw .syntax
            }
        }

        mutating func parseHex4() throws(JSONError) -> UInt32 {
            guard bytes.count - position >= 4 else { throw .syntax }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = IPAddress.hexValue(bytes[position]) else { throw .syntax }
                value = value << 4 | UInt32(digit)
                position += 1
            }
            return value
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
        mutating func parseNumber() throws(JSONError) -> Double {
            let start = position
            if current == UInt8(ascii: "-") { position += 1 }
            guard let first = current, isDigit(first) else { throw .syntax }
            position += 1
            if first != UInt8(ascii: "0") { skipDigits() }
            if current == UInt8(ascii: ".") {
                position += 1
                guard let byte = current, isDigit(byte) else { throw .syntax }
                skipDigits()
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard let byte = current, isDigit(byte) else { throw .syntax }
                skipDigits()
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard let value = Double(text), value.isFinite else { throw .syntax }
            return value
        }

        mutating func skipDigits() {
            while let byte = current, isDigit(byte) { position += 1 }
        }

        func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }
    }
}
