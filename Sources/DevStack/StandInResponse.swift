import NIOHTTP1

/// A complete, small response a stand-in sends in one go (echo, token, errors).
struct StandInResponse {
    var status: HTTPResponseStatus
    var headers: [(String, String)] = []
    var body: String

    static func json(_ status: HTTPResponseStatus, _ body: String, headers: [(String, String)] = []) -> Self {
        StandInResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: body)
    }
}
