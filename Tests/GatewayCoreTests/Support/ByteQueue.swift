/// Received but not yet parsed bytes of a `RawHTTPClient`, remembering when each byte
/// arrived so a parsed piece can report the arrival of its last byte.
struct ByteQueue {
    private var storage: [UInt8] = []
    private var start = 0
    /// `end` is the storage offset just past the bytes that arrived at `arrival`.
    private var marks: [(end: Int, arrival: ContinuousClock.Instant)] = []
    private var firstMark = 0

    var count: Int { storage.count - start }
    var isEmpty: Bool { count == 0 }

    mutating func append(_ received: ReceivedBytes) {
        guard !received.bytes.isEmpty else { return }
        storage.append(contentsOf: received.bytes)
        marks.append((storage.count, received.arrival))
    }

    /// Offset (relative to the unread start) of the first occurrence of `pattern`.
    func firstOffset(of pattern: [UInt8], from offset: Int = 0) -> Int? {
        guard count >= pattern.count else { return nil }
        var i = start + offset
        while i + pattern.count <= storage.count {
            if storage[i] == pattern[0], Array(storage[i..<(i + pattern.count)]) == pattern { return i - start }
            i += 1
        }
        return nil
    }

    func peek(_ n: Int) -> [UInt8] { Array(storage[start..<(start + min(n, count))]) }

    /// Removes the first `n` bytes; `arrival` is when the last of them came in.
    mutating func take(_ n: Int) -> ReceivedBytes {
        precondition(n > 0 && n <= count, "take(\(n)) with \(count) bytes queued")
        let bytes = Array(storage[start..<(start + n)])
        let last = start + n - 1
        var index = firstMark
        while marks[index].end <= last { index += 1 }
        let arrival = marks[index].arrival
        start += n
        while firstMark < marks.count, marks[firstMark].end <= start { firstMark += 1 }
        compactIfWorthIt()
        return ReceivedBytes(bytes: bytes, arrival: arrival)
    }

    mutating func takeAll() -> ReceivedBytes? { isEmpty ? nil : take(count) }

    /// Drops consumed bytes once they dominate, keeping big downloads linear.
    private mutating func compactIfWorthIt() {
        guard start >= 1 << 20, start * 2 >= storage.count else { return }
        storage.removeFirst(start)
        marks = marks[firstMark...].map { ($0.end - start, $0.arrival) }
        firstMark = 0
        start = 0
    }
}
