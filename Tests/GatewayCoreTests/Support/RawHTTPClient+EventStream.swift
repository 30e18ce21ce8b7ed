extension RawHTTPClient {
    /// The next Server-Sent Event of the current body (read the head first), stamped
    /// with the arrival of the body piece that completed it; nil when the body ends.
    func nextEvent(timeout: Duration = .seconds(10)) async throws -> SSEEvent? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let (end, separatorLength) = Self.eventBoundary(in: eventBuffer) {
                let raw = Array(eventBuffer[..<end])
                eventBuffer.removeFirst(end + separatorLength)
                return SSEEvent(raw: raw, arrival: eventBufferArrival)
            }
            guard let piece = try await nextBodyPiece(until: deadline) else { return nil }
            eventBuffer += piece.bytes
            eventBufferArrival = piece.arrival
        }
    }

    /// Reads events until the body ends.
    func readAllEvents(timeout: Duration = .seconds(30)) async throws -> [SSEEvent] {
        let deadline = ContinuousClock.now + timeout
        var events: [SSEEvent] = []
        while let event = try await nextEvent(timeout: deadline - .now) { events.append(event) }
        return events
    }

    /// Start and length of the first blank line ending an event (`\n\n` or `\r\n\r\n`).
    static func eventBoundary(in bytes: [UInt8]) -> (Int, Int)? {
        var i = 0
        while i < bytes.count {
            if bytes[i] == 10, i + 1 < bytes.count, bytes[i + 1] == 10 { return (i, 2) }
            if bytes[i] == 13, i + 3 < bytes.count, bytes[(i + 1)...(i + 3)].elementsEqual([10, 13, 10]) {
                return (i, 4)
            }
            i += 1
        }
        return nil
    }
}

/// One Server-Sent Event as received.
struct SSEEvent: Sendable {
    /// The event's lines without the blank line that ended it.
    var raw: String
    var arrival: ContinuousClock.Instant
    /// `field: value` pairs in order; comment lines (starting with `:`) are skipped.
    var fields: [(String, String)]

    init(raw bytes: [UInt8], arrival: ContinuousClock.Instant) {
        raw = String(decoding: bytes, as: UTF8.self)
        self.arrival = arrival
        // Split on scalars: as Characters, "\r\n" is one grapheme and would not split at "\n".
        fields = raw.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).compactMap { scalars in
            var line = String(String.UnicodeScalarView(scalars))
            if line.unicodeScalars.last == "\r" { line.unicodeScalars.removeLast() }
            guard !line.isEmpty, !line.hasPrefix(":") else { return nil }
            guard let colon = line.firstIndex(of: ":") else { return (line, "") }
            var value = line[line.index(after: colon)...]
            if value.first == " " { value.removeFirst() }
            return (String(line[..<colon]), String(value))
        }
    }

    var id: String? { fields.last { $0.0 == "id" }?.1 }
    var event: String? { fields.last { $0.0 == "event" }?.1 }
    /// All `data` lines joined with `\n`, as a browser's EventSource does.
    var data: String { fields.filter { $0.0 == "data" }.map(\.1).joined(separator: "\n") }
}
