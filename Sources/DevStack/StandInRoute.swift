import GatewayCore

/// What a stand-in does with one request; pure, so it is decided from the head alone.
enum StandInRoute: Equatable {
    /// Answer with the JSON echo of the request.
    case echo
    /// Answer with a timed Server-Sent Events stream (orchestration only).
    case eventStream
    /// Check the dev credentials and mint a token (auth only).
    case token

    init(service: ServiceName, method: String, path: String) {
        switch service {
        case .orchestration where method != "HEAD" && Self.isStreamPath(path):
            self = .eventStream
        case .auth where method == "POST" && path == "/auth/token":
            self = .token
        default:
            self = .echo
        }
    }

    /// `/conversations/{id}/stream`, or any `/workspaces/...` path ending in `/stream`:
    /// the internal paths the gateway's SSE routes lead to (SPEC §9).
    static func isStreamPath(_ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        if segments.count == 4, segments[0].isEmpty, segments[1] == "conversations",
            !segments[2].isEmpty, segments[3] == "stream"
        {
            return true
        }
        return path.hasPrefix("/workspaces/") && path.hasSuffix("/stream")
    }
}
