/// A backend service by name (SPEC §2, §14): one of the eight built in, or any a configuration
/// file declares (`[a-z0-9_-]{1,64}`).
public struct ServiceName: Sendable, Hashable, CustomStringConvertible {
    /// The name, as in metrics labels, the access log and the configuration file.
    public let rawValue: String

    public init(_ name: String) { rawValue = name }

    public var description: String { rawValue }

    public static let orchestration = ServiceName("orchestration")
    public static let memory = ServiceName("memory")
    public static let knowledgeGraph = ServiceName("knowledge_graph")
    public static let approval = ServiceName("approval")
    public static let ingestion = ServiceName("ingestion")
    public static let compliance = ServiceName("compliance")
    public static let flaring = ServiceName("flaring")
    public static let auth = ServiceName("auth")

    /// The services of the built-in configuration, in SPEC §2 order.
    public static let builtIn: [ServiceName] = [
        .orchestration, .memory, .knowledgeGraph, .approval, .ingestion, .compliance, .flaring, .auth,
    ]

    /// The environment variable that holds the service's URLs without a configuration file:
    /// the name upper-cased, `_URL` appended (ORCHESTRATION_URL, KNOWLEDGE_GRAPH_URL, ...).
    public var environmentVariable: String { rawValue.uppercased() + "_URL" }

    /// The port a built-in service listens on in a default local deployment (80 for others).
    public var defaultPort: Int {
        switch rawValue {
        case "orchestration": 8001
        case "memory": 8002
        case "knowledge_graph": 8003
        case "approval": 8004
        case "ingestion": 8005
        case "compliance": 8006
        case "flaring": 8007
        case "auth": 8009
        default: 80
        }
    }

    /// Whether `name` can name a service in a configuration file.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }
}
