import Foundation

/// A response as it came off the wire, parsed without any HTTP library in between, so
/// tests see exactly the framing and headers the gateway wrote.
struct RawHTTPResponse: Sendable {
    var version: String
    var status: Int
    var reason: String
    /// In wire order, duplicates kept.
    var headers: [(String, String)]
    /// The head exactly as received, status line to the blank line, decoded as Latin-1.
    var rawHead: String
    var headArrival: ContinuousClock.Instant
    /// Statuses of 1xx interim responses skipped before this one.
    var informational: [Int] = []

    /// The decoded body (chunk framing removed); empty when not retained.
    var body: [UInt8] = []
    var bodyCount = 0
    /// Lower-case hex SHA-256 of the decoded body, whether retained or not.
    var bodySHA256 = ""
    var framing: BodyFraming = .none
    /// One entry per chunk (chunked) or per read (otherwise): size and arrival of its last byte.
    var pieces: [(size: Int, arrival: ContinuousClock.Instant)] = []
    var trailers: [(String, String)] = []

    enum BodyFraming: Sendable, Equatable {
        case none
        case contentLength(Int)
        case chunked
        case untilClose
    }

    /// First value of the header `name`, case-insensitively.
    func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// Every value of the header `name`, in order.
    func headers(named name: String) -> [String] {
        headers.filter { $0.0.caseInsensitiveCompare(name) == .orderedSame }.map(\.1)
    }

    var bodyString: String { String(decoding: body, as: UTF8.self) }

    /// Arrival instants of the chunks (or reads) that made up the body.
    var chunkArrivals: [ContinuousClock.Instant] { pieces.map(\.arrival) }

    /// The body as a JSON object, or nil when it is not one.
    var json: [String: Any]? { try? jsonObject() }

    func jsonObject() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw RawHTTPError.malformed("body is not a JSON object: \(bodyString.prefix(200))")
        }
        return object
    }
}

/// Why a `RawHTTPClient` read failed (timeouts throw `TestTimeoutError`).
enum RawHTTPError: Error, CustomStringConvertible {
    /// The connection closed before a complete response head; carries what did arrive.
    case closedBeforeHead(received: [UInt8])
    /// The connection closed inside a body whose framing promised more.
    case prematureClose(String)
    case malformed(String)
    /// A body read was asked for with no response head read first.
    case noBodyInProgress

    var description: String {
        switch self {
        case .closedBeforeHead(let received):
            "connection closed before a response head; got \(received.count) bytes: \(String(decoding: received.prefix(300), as: UTF8.self))"
        case .prematureClose(let what): "connection closed early: \(what)"
        case .malformed(let what): "malformed response: \(what)"
        case .noBodyInProgress: "no response body in progress; read a head first"
        }
    }
}
