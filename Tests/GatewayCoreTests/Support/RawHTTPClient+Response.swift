import Crypto

extension RawHTTPClient {
    private static let crlf: [UInt8] = [13, 10]
    private static let endOfHead: [UInt8] = [13, 10, 13, 10]

    /// Reads one whole response.
    /// - Parameters:
    ///   - expectBody: false for the answer to a HEAD request (no body whatever the headers say).
    ///   - retainBody: false keeps only `bodyCount` and `bodySHA256` (large downloads).
    func readResponse(
        timeout: Duration = .seconds(10),
        expectBody: Bool = true,
        retainBody: Bool = true
    ) async throws -> RawHTTPResponse {
        let deadline = ContinuousClock.now + timeout
        var response = try await readHead(until: deadline, expectBody: expectBody)
        var hasher = SHA256()
        while let piece = try await nextBodyPiece(until: deadline) {
            hasher.update(data: piece.bytes)
            if retainBody { response.body += piece.bytes }
            response.bodyCount += piece.bytes.count
            response.pieces.append((piece.bytes.count, piece.arrival))
        }
        response.trailers = lastTrailers
        response.bodySHA256 = hasher.finalize().hexString
        return response
    }

    /// Reads only the head and leaves the body to `readChunk` / `nextEvent`.
    func readHead(timeout: Duration = .seconds(10), expectBody: Bool = true) async throws -> RawHTTPResponse {
        try await readHead(until: .now + timeout, expectBody: expectBody)
    }

    /// The next decoded piece of the current body: one chunk's data for a chunked body,
    /// else whatever has arrived; nil at the end of the body.
    func readChunk(timeout: Duration = .seconds(10)) async throws -> ReceivedBytes? {
        try await nextBodyPiece(until: .now + timeout)
    }

    func readHead(until deadline: ContinuousClock.Instant, expectBody: Bool) async throws -> RawHTTPResponse {
        var informational: [Int] = []
        while true {
            var end = queue.firstOffset(of: Self.endOfHead)
            while end == nil {
                guard try await pull(until: deadline, "response head") else {
                    throw RawHTTPError.closedBeforeHead(received: queue.peek(queue.count))
                }
                end = queue.firstOffset(of: Self.endOfHead)
            }
            let received = queue.take(end! + 4)
            let head = try HTTPHeadParser.parse(received.bytes)
            if (100..<200).contains(head.status), head.status != 101 {
                informational.append(head.status)
                continue
            }
            var response = RawHTTPResponse(
                version: head.version,
                status: head.status,
                reason: head.reason,
                headers: head.headers,
                rawHead: head.raw,
                headArrival: received.arrival,
                informational: informational
            )
            response.framing = Self.framing(of: response, expectBody: expectBody)
            switch response.framing {
            case .none: bodyState = .done
            case .contentLength(let length): bodyState = .length(remaining: length)
            case .chunked: bodyState = .chunked
            case .untilClose: bodyState = .untilClose
            }
            lastTrailers = []
            eventBuffer = []
            return response
        }
    }

    /// RFC 9112 §6.3, the parts a well-behaved server uses.
    static func framing(of response: RawHTTPResponse, expectBody: Bool) -> RawHTTPResponse.BodyFraming {
        if !expectBody || response.status == 204 || response.status == 304 || response.status < 200 {
            return .none
        }
        if let coding = response.headers(named: "Transfer-Encoding").last?.split(separator: ",").last,
            coding.trimmingSpaces().lowercased() == "chunked"
        {
            return .chunked
        }
        if let length = response.header("Content-Length").flatMap({ Int($0) }) {
            return .contentLength(length)
        }
        return .untilClose
    }

    func nextBodyPiece(until deadline: ContinuousClock.Instant) async throws -> ReceivedBytes? {
        guard let state = bodyState else { throw RawHTTPError.noBodyInProgress }
        switch state {
        case .done, .length(remaining: 0):
            bodyState = .done
            return nil
        case .length(let remaining):
            if queue.isEmpty, try await !pull(until: deadline, "body (\(remaining) bytes to go)") {
                throw RawHTTPError.prematureClose("\(remaining) bytes of the Content-Length missing")
            }
            let piece = queue.take(min(remaining, queue.count))
            bodyState = .length(remaining: remaining - piece.bytes.count)
            return piece
        case .untilClose:
            if queue.isEmpty, try await !pull(until: deadline, "body until close") {
                bodyState = .done
                return nil
            }
            return queue.takeAll()
        case .chunked:
            return try await nextChunk(until: deadline)
        }
    }

    private func nextChunk(until deadline: ContinuousClock.Instant) async throws -> ReceivedBytes? {
        let sizeLine = HTTPHeadParser.latin1(try await readLine(until: deadline, "chunk size"))
        let sizeText = sizeLine.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard let size = Int(sizeText.trimmingSpaces(), radix: 16), size >= 0 else {
            throw RawHTTPError.malformed("chunk size line \(sizeLine.debugDescription)")
        }
        if size == 0 {
            var line = try await readLine(until: deadline, "trailers")
            while !line.isEmpty {
                lastTrailers.append(try HTTPHeadParser.parseField(HTTPHeadParser.latin1(line)))
                line = try await readLine(until: deadline, "trailers")
            }
            bodyState = .done
            return nil
        }
        while queue.count < size + 2 {
            guard try await pull(until: deadline, "chunk of \(size) bytes") else {
                throw RawHTTPError.prematureClose("inside a chunk of \(size) bytes")
            }
        }
        let data = queue.take(size)
        guard queue.take(2).bytes == Self.crlf else { throw RawHTTPError.malformed("chunk data not followed by CRLF") }
        return data
    }

    private func readLine(until deadline: ContinuousClock.Instant, _ what: String) async throws -> [UInt8] {
        while true {
            if let end = queue.firstOffset(of: Self.crlf) {
                let line = end > 0 ? queue.take(end).bytes : []
                _ = queue.take(2)
                return line
            }
            guard try await pull(until: deadline, what) else {
                throw RawHTTPError.prematureClose("waiting for \(what)")
            }
        }
    }
}
