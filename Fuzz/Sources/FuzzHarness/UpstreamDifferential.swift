import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import GatewayCore

/// What NIO's response decoder (llhttp) made of some bytes, in the terms of `ParsedUpstream`.
struct ParsedByNIO {
    var heads: [HTTPResponseHead] = []
    var summary: [String] = []
    var failed = false

    static func run(_ reads: [ArraySlice<UInt8>], method: HTTPMethod) -> ParsedByNIO {
        let channel = EmbeddedChannel(
            handler: ByteToMessageHandler(
                HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop)))
        var result = ParsedByNIO()
        var body: [UInt8] = []
        func drain() {
            while let part = try? channel.readInbound(as: HTTPClientResponsePart.self) {
                switch part {
                case .head(let head):
                    result.heads.append(head)
                case .body(let buffer):
                    body += Fuzz.bytes(buffer)
                case .end:
                    result.summary.append("body \(body)")
                    result.summary.append("end")
                    body = []
                }
            }
        }
        // The decoder learns each request's method from the request written before it.
        _ = try? channel.writeOutbound(
            HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: method, uri: "/")))
        _ = try? channel.writeOutbound(HTTPClientRequestPart.end(nil))
        for read in reads {
            do { try channel.writeInbound(Fuzz.buffer(read)) } catch {
                drain()
                result.failed = true
                break
            }
            drain()
        }
        if !result.failed {
            do { _ = try channel.finish() } catch { result.failed = true }
            drain()
        } else {
            _ = try? channel.finish()
        }
        if !body.isEmpty { result.summary.append("body \(body)") }
        return result
    }
}

extension Fuzz {
    /// The same response bytes to the gateway's parser and to NIO's (llhttp). Where both accept
    /// the first response whole, status, fields and body must agree. The classes where they differ
    /// are listed in `Fuzz/README.md` with the behaviour kept; those where both accept are
    /// normalised here (marked "Class").
    public static func upstreamDifferential(_ input: UnsafeRawBufferPointer) {
        guard let flags = input.first else { return }
        let payload = Array(input.dropFirst())
        let method: HTTPMethod = flags & 0x40 != 0 ? .HEAD : .GET
        let splits = reads(payload, seed: flags & 0x3F)
        let ours = ParsedUpstream.run(splits, method: method)
        let theirs = ParsedByNIO.run(splits, method: method)
        guard !ours.failed, !theirs.failed, let head = ours.heads.first, let nio = theirs.heads.first else { return }
        require(Int(head.status.code) == Int(nio.status.code), "status \(head.status.code) vs NIO \(nio.status.code)")
        let fields = FieldLine.split(Fuzz.bytes(head.fields.bytes)).map {
            (String(decoding: $0.name, as: UTF8.self), String(decoding: $0.value, as: UTF8.self))
        }
        // Class 1: llhttp keeps trailing whitespace in a value; RFC 9112 §5 excludes OWS on both sides.
        let nioFields = nio.headers.map { ($0.name, String($0.value.trimmingTrailingWhitespace())) }
        require(
            fields.elementsEqual(nioFields, by: { $0.0 == $1.0 && $0.1 == $1.1 }),
            "fields \(fields) vs NIO \(nioFields)")
        let ourFirst = Array(ours.summary.dropFirst().prefix(2))
        let theirFirst = Array(theirs.summary.prefix(2))
        require(ourFirst == theirFirst, "body \(ourFirst) vs NIO \(theirFirst)")
    }
}

extension String {
    /// Without trailing SP and HTAB (llhttp keeps them in a value; RFC 9112 §5.1 does not).
    func trimmingTrailingWhitespace() -> Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)] == " " || self[index(before: end)] == "\t" {
            end = index(before: end)
        }
        return self[..<end]
    }
}
