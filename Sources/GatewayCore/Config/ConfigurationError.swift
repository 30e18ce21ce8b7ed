/// A bad environment variable, reported as one line at start-up (SPEC §2).
///
/// The value is never echoed for secrets: `JWT_SECRET` problems name only the variable.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public let variable: String
    public let value: String?
    public let reason: String

    public init(_ variable: String, value: String?, _ reason: String) {
        self.variable = variable
        self.value = value
        self.reason = reason
    }

    public var description: String {
        if let value {
            return "invalid \(variable)=\(Self.quoted(value)): \(reason)"
        }
        return "invalid \(variable): \(reason)"
    }

    /// Quotes a value so that no control byte from the environment can break the line.
    private static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case " "..."~": out.unicodeScalars.append(scalar)
            default: out += "\\u{\(String(scalar.value, radix: 16))}"
            }
        }
        return out + "\""
    }
}
