/// The AEGIS backends the gateway can reach (SPEC §2).
public enum Service: String, CaseIterable, Sendable, Hashable {
    case orchestration
    case memory
    case knowledgeGraph = "knowledge_graph"
    case approval
    case ingestion
    case compliance
    case flaring
    case auth

    /// The environment variable that holds this service's base URL.
    public var environmentVariable: String {
        switch self {
        case .orchestration: "ORCHESTRATION_URL"
        case .memory: "MEMORY_URL"
        case .knowledgeGraph: "KNOWLEDGE_GRAPH_URL"
        case .approval: "APPROVAL_URL"
        case .ingestion: "INGESTION_URL"
        case .compliance: "COMPLIANCE_URL"
        case .flaring: "FLARING_URL"
        case .auth: "AUTH_URL"
        }
    }

    /// The port the service listens on in a default local deployment.
    public var defaultPort: Int {
        switch self {
        case .orchestration: 8001
        case .memory: 8002
        case .knowledgeGraph: 8003
        case .approval: 8004
        case .ingestion: 8005
        case .compliance: 8006
        case .flaring: 8007
        case .auth: 8009
        }
    }
}

extension Service {
    /// A dense index for per-service arrays (upstream pools, counters).
    public var ordinal: Int {
        switch self {
        case .orchestration: 0
        case .memory: 1
        case .knowledgeGraph: 2
        case .approval: 3
        case .ingestion: 4
        case .compliance: 5
        case .flaring: 6
        case .auth: 7
        }
    }
}
