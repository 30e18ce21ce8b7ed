import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// A request as a `TestUpstream` received it, for tests to assert on what the gateway sent.
struct RecordedRequest: Sendable {
    var method: String
    /// The request target exactly as sent.
    var uri: String
    var version: String
    /// In wire order, duplicates kept.
    var headers: [(String, String)]
    var keepAlive: Bool
    /// The first `retainBodyLimit` bytes of the body.
    var body: [UInt8]
    var bodyCount: Int
    /// Lower-case hex SHA-256 of the whole body.
    var bodySHA256: String
    /// 1 for the upstream's first accepted connection, 2 for the next, ...
    var connectionNumber: Int
    var headArrival: ContinuousClock.Instant
    var firstBodyByteArrival: ContinuousClock.Instant?
    var endArrival: ContinuousClock.Instant

    var path: String { String(uri.prefix { $0 != "?" }) }
    var query: String? { uri.firstIndex(of: "?").map { String(uri[uri.index(after: $0)...]) } }

    /// First value of the header `name`, case-insensitively.
    func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    func headers(named name: String) -> [String] {
        headers.filter { $0.0.caseInsensitiveCompare(name) == .orderedSame }.map(\.1)
    }

    var bodyString: String { String(decoding: body, as: UTF8.self) }
    var bodyTruncated: Bool { bodyCount > body.count }
}

/// Builds a `RecordedRequest` while its body streams in, hashing instead of buffering.
struct RequestRecorder {
    let head: HTTPRequestHead
    let connectionNumber: Int
    let retainLimit: Int
    let headArrival = ContinuousClock.now
    var count = 0
    var hasher = SHA256()
    var retained: [UInt8] = []
    var firstBodyByteArrival: ContinuousClock.Instant?

    init(head: HTTPRequestHead, connectionNumber: Int, retainLimit: Int) {
        self.head = head
        self.connectionNumber = connectionNumber
        self.retainLimit = retainLimit
    }

    mutating func append(_ buffer: ByteBuffer) {
        guard buffer.readableBytes > 0 else { return }
        if firstBodyByteArrival == nil { firstBodyByteArrival = .now }
        count += buffer.readableBytes
        buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        if retained.count < retainLimit {
            retained += buffer.readableBytesView.prefix(retainLimit - retained.count)
        }
    }

    func finish() -> RecordedRequest {
        RecordedRequest(
            method: head.method.rawValue,
            uri: head.uri,
            version: "HTTP/\(head.version.major).\(head.version.minor)",
            headers: head.headers.map { ($0.name, $0.value) },
            keepAlive: head.isKeepAlive,
            body: retained,
            bodyCount: count,
            bodySHA256: hasher.finalize().hexString,
            connectionNumber: connectionNumber,
            headArrival: headArrival,
            firstBodyByteArrival: firstBodyByteArrival,
            endArrival: .now
        )
    }
}
