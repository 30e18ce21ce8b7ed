import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import GatewayCore

/// A request stream as one parser saw it: one line per event, then `error` if it refused.
/// Comparing these lists compares accept/refuse, method, target, version, fields (name and value
/// bytes, in order), framing and body bytes of every pipelined request.
struct RequestEvents: Equatable, CustomStringConvertible {
    var lines: [String] = []
    var refused = false
    /// Set after a request past which the two parsers are not compared (see `stops`).
    var stopped = false
    /// The input ended inside a head, a chunk line or a body: bytes wait for more.
    var pending = false
    /// Why the gateway's parser refused (not compared).
    var reason = ""

    var description: String { (lines + (refused ? ["error"] : [])).joined(separator: "\n  ") }

    static func text(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { $0 >= 0x20 && $0 < 0x7F && $0 != 0x5C ? String(UnicodeScalar($0)) : "\\x\(String($0, radix: 16))" }
            .joined()
    }

    /// Class 2 (README): a target the pipeline answers 400 for (SPEC §10: not origin-form, a raw
    /// byte outside 0x21-0x7E, ...) counts as refused on both sides: llhttp refused some of these
    /// itself, the gateway's parser leaves them all to the pipeline.
    static func pipelineRefuses(_ target: String) -> Bool {
        if case .failure = RequestTarget.parse(target) { return true }
        return false
    }

    /// Past these requests llhttp stops parsing as HTTP (CONNECT, Upgrade: the rest is another
    /// protocol) and the gateway answers and closes (405; Upgrade is not honoured and the
    /// connection closes after a refusal), so later bytes are never read by either in the gateway.
    static func stops(method: String, fields: [(String, String)], keepAlive: Bool) -> Bool {
        method == "CONNECT" || !keepAlive
            || fields.contains {
                $0.0.lowercased() == "upgrade"
                    || $0.0.lowercased() == "connection" && $0.1.lowercased().contains("upgrade")
            }
    }
}

/// The gateway's raw-byte parser (`RequestHeadParser` + `RequestBodyDecoder`) over some reads.
enum OursOnRequests {
    static func run(_ reads: [ArraySlice<UInt8>]) -> RequestEvents {
        var events = RequestEvents()
        var parser = RequestHeadParser()
        var body: RequestBodyDecoder?
        var bodyBytes: [UInt8] = []
        var buffer = ByteBuffer()
        for read in reads {
            buffer.writeBytes(read)
            do throws(RequestParseError) {
                while !events.stopped {
                    if var decoder = body {
                        guard let part = try decoder.next(&buffer) else {
                            body = decoder
                            break
                        }
                        switch part {
                        case .body(let bytes):
                            bodyBytes += bytes.readableBytesView
                            body = decoder
                        case .end:
                            events.lines.append("body " + RequestEvents.text(bodyBytes))
                            events.lines.append("end")
                            bodyBytes = []
                            body = nil
                        }
                        continue
                    }
                    guard let head = try parser.parse(&buffer) else { break }
                    // NIO turns the bytes into Strings (invalid UTF-8 becomes U+FFFD): compared the same way.
                    let fields = head.fields.map {
                        (
                            String(decoding: head.copy($0.name), as: UTF8.self),
                            RequestEvents.text(lossy(head.copy($0.value)))
                        )
                    }
                    let target = String(decoding: head.copy(head.target), as: UTF8.self)
                    if RequestEvents.pipelineRefuses(target) {
                        events.refused = true
                        return events
                    }
                    events.lines.append(
                        "head \(head.method.rawValue) \(RequestEvents.text(target.utf8)) \(head.version)")
                    events.lines += fields.map { "field \($0.0): \($0.1)" }
                    events.lines.append("framing \(head.framing)")
                    body = RequestBodyDecoder(head.framing)
                    let keepAlive = keepsAlive(head, fields)
                    if RequestEvents.stops(method: head.method.rawValue, fields: fields, keepAlive: keepAlive) {
                        events.stopped = true
                    }
                }
            } catch {
                events.refused = true
                if case .malformed(let why) = error { events.reason = why }
                return events
            }
            if events.stopped { return events }
        }
        events.pending = buffer.readableBytes > 0 || body != nil
        return events
    }

    static func lossy(_ bytes: [UInt8]) -> String.UTF8View { String(decoding: bytes, as: UTF8.self).utf8 }

    /// RFC 9112 §9.3: 1.1 persists unless `close`; 1.0 only with `keep-alive`.
    static func keepsAlive(_ head: RawRequestHead, _ fields: [(String, String)]) -> Bool {
        let tokens = fields.filter { $0.0.lowercased() == "connection" }.flatMap {
            $0.1.lowercased().split(separator: ",").map { String($0.filter { $0 != " " && $0 != "\t" }) }
        }
        if tokens.contains("close") { return false }
        return head.version == .http1_1 || tokens.contains("keep-alive")
    }
}

/// NIO's `HTTPRequestDecoder` (llhttp), configured as the gateway configured it, followed by the
/// framing checks the gateway made after it (`FramingRules`).
enum LLHTTPOnRequests {
    static func run(_ reads: [ArraySlice<UInt8>]) -> RequestEvents {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = 64 * 1024
        limits.maxHeaderFieldSize = 64 * 1024
        limits.maxHeaderFieldCount = 100
        let channel = EmbeddedChannel(
            handler: ByteToMessageHandler(
                HTTPRequestDecoder(
                    leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop, limitConfiguration: limits)
            ))
        defer { _ = try? channel.finish() }
        var events = RequestEvents()
        var bodyBytes: [UInt8] = []
        var framing = ""
        func drain() -> Bool {
            while let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
                switch part {
                case .head(let head):
                    let before = events.lines.count
                    if RequestEvents.pipelineRefuses(head.uri) {
                        events.refused = true
                        return false
                    }
                    // Class 3 (README): llhttp keeps trailing whitespace in a value; RFC 9112 §5.1
                    // puts it outside the value, where the gateway's parser leaves it.
                    let trimmed = HTTPHeaders(
                        head.headers.map { ($0.name, String($0.value.trimmingTrailingWhitespace())) })
                    let fields = trimmed.map { ($0.name, RequestEvents.text($0.value.utf8)) }
                    events.lines.append(
                        "head \(head.method.rawValue) \(RequestEvents.text(head.uri.utf8)) \(head.version)")
                    events.lines += fields.map { "field \($0.0): \($0.1)" }
                    let facts = RequestHeadFacts(trimmed)
                    // Class 7 (README): a Content-Length past Int.max. llhttp took up to 2^64 - 1
                    // while the gateway read the length as 0 and forwarded the field: refused now.
                    let lengthOverflows = facts.contentLength.single.map { value in
                        !value.isEmpty && value.utf8.allSatisfy { $0 &- 0x30 < 10 } && Int(value) == nil
                    }
                    if FramingRules.violation(in: facts) != nil || lengthOverflows == true {
                        // The gateway refused such a head as a whole: it never reached the pipeline.
                        events.lines.removeSubrange(before...)
                        events.refused = true
                        return false
                    }
                    framing =
                        !facts.transferEncoding.isEmpty
                        ? "chunked" : facts.bodyLength > 0 ? "length(\(facts.bodyLength))" : "none"
                    events.lines.append("framing \(framing)")
                    if RequestEvents.stops(method: head.method.rawValue, fields: fields, keepAlive: head.isKeepAlive) {
                        events.stopped = true
                        return false
                    }
                case .body(let bytes):
                    bodyBytes += bytes.readableBytesView
                case .end:
                    events.lines.append("body " + RequestEvents.text(bodyBytes))
                    events.lines.append("end")
                    bodyBytes = []
                }
            }
            return true
        }
        for read in reads {
            do {
                try channel.writeInbound(Fuzz.buffer(read))
            } catch {
                _ = drain()
                if !events.stopped { events.refused = true }
                return events
            }
            guard drain() else { return events }
        }
        return events
    }
}

extension Fuzz {
    /// The same client bytes, cut into the same reads, through the gateway's parser and through
    /// llhttp. They must agree on every event up to the first refusal, and on refusing. Known
    /// classes of disagreement are normalised in `normalise` and listed in `Fuzz/README.md`.
    public static func requestDifferential(_ input: UnsafeRawBufferPointer) {
        guard let flags = input.first else { return }
        let splits = reads(Array(input.dropFirst()), seed: flags)
        let ours = OursOnRequests.run(splits)
        let theirs = LLHTTPOnRequests.run(splits)
        let (a, b) = (normalise(ours), normalise(theirs))
        if a == b { return }
        // Class 1 (README): llhttp refuses at the first bad byte; the gateway judges a head when
        // its empty line arrives (a chunk line at its CRLF). Before that point both must agree.
        if b.refused && !a.refused && ours.pending && b.lines.starts(with: a.lines) { return }
        // Class 4 (README): a bare LF is refused as it arrives (SPEC §10); llhttp, inside a request
        // line, may still be waiting. It must not have taken anything more than the gateway did.
        if a.refused && !b.refused && ours.reason == "bare LF" && a.lines == b.lines { return }
        // Class 7 (README): a chunk size past Int.max is refused at once; llhttp may still wait.
        if a.refused && !b.refused && ours.reason == "chunk size too large" && a.lines == b.lines { return }
        require(false, "gateway parser vs llhttp\n ours:\n  \(a)\n llhttp:\n  \(b)")
    }

    /// Both stop at the head of a request after which the gateway closes (`RequestEvents.stops`):
    /// its body and what follows are compared no further.
    static func normalise(_ events: RequestEvents) -> RequestEvents {
        var events = events
        events.stopped = false
        events.pending = false
        events.reason = ""
        return events
    }
}
