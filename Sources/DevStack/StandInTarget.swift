/// A request target split at its first `?`, as the echo reports it.
struct StandInTarget {
    let path: String
    /// Everything after the first `?`, or "" when there is none.
    let query: String

    init(_ uri: String) {
        if let mark = uri.firstIndex(of: "?") {
            path = String(uri[..<mark])
            query = String(uri[uri.index(after: mark)...])
        } else {
            path = uri
            query = ""
        }
    }
}
