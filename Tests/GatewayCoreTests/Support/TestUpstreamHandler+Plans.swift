import NIOCore
import NIOHTTP1

extension TestUpstreamHandler {
    func perform(_ plan: UpstreamPlan, for request: RecordedRequest, context: ChannelHandlerContext) {
        guard isOpen else { return }
        switch plan {
        case .delayHead(let delay, let next):
            pendingStep = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
                self.pendingStep = nil
                self.perform(next, for: request, context: context)
            }
        case .closeWithoutResponse:
            context.close(promise: nil)
        case .respond(let status, var headers, let body):
            let bodiless = request.method == "HEAD" || Self.forbidsBody(status)
            if !Self.isFramed(headers), !Self.forbidsBody(status) {
                headers.append(("Content-Length", String(body.count)))
            }
            writeHead(status: status, headers: headers, for: request, context: context)
            if !bodiless, !body.isEmpty { context.write(wrapOutboundOut(ByteBuffer(bytes: body)), promise: nil) }
            finish(request, responseHeaders: headers, context: context)
        case .stream(let status, var headers, let chunks, let untilClose):
            if !untilClose, !Self.isFramed(headers) { headers.append(("Transfer-Encoding", "chunked")) }
            writeHead(status: status, headers: headers, for: request, context: context)
            context.flush()
            sendChunks(chunks[...], chunked: !untilClose, request: request, headers: headers, context: context)
        case .largeBody(let size, let status, var headers, let chunked):
            if !Self.isFramed(headers) {
                headers.append(chunked ? ("Transfer-Encoding", "chunked") : ("Content-Length", String(size)))
            }
            writeHead(status: status, headers: headers, for: request, context: context)
            pump = LargeBodyPump(size: size, chunked: chunked, request: request, headers: headers)
            pumpLargeBody(context: context)
        case .resetAfterHead(let status, let promisedLength, let sentBytes):
            writeHead(
                status: status, headers: [("Content-Length", String(promisedLength))], for: request, context: context)
            let partial = LargeBodyPattern.bytes(offset: 0, length: min(sentBytes, promisedLength))
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: partial))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .raw(let bytes, let thenClose):
            let written = context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes)))
            if thenClose {
                written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            } else {
                answering = false
                answerNext(context: context)
            }
        }
    }

    /// Writes the next chunk as soon as its delay is over, each flushed on its own.
    private func sendChunks(
        _ chunks: ArraySlice<UpstreamChunk>,
        chunked: Bool,
        request: RecordedRequest,
        headers: [(String, String)],
        context: ChannelHandlerContext
    ) {
        guard isOpen else { return }
        guard let chunk = chunks.first else {
            if chunked {
                context.write(wrapOutboundOut(ByteBuffer(string: "0\r\n\r\n")), promise: nil)
                finish(request, responseHeaders: headers, context: context)
            } else {
                context.flush()
                context.close(promise: nil)
            }
            return
        }
        let send = {
            self.pendingStep = nil
            if !chunk.bytes.isEmpty {
                context.writeAndFlush(self.wrapOutboundOut(Self.frame(chunk.bytes, chunked: chunked)), promise: nil)
            }
            self.sendChunks(chunks.dropFirst(), chunked: chunked, request: request, headers: headers, context: context)
        }
        if chunk.delay > .zero {
            pendingStep = context.eventLoop.assumeIsolated().scheduleTask(in: chunk.delay, send)
        } else {
            send()
        }
    }

    /// Writes pattern blocks while the channel is writable; `channelWritabilityChanged`
    /// resumes it, so at most about one high-water mark of data is ever queued. A flush
    /// can change writability synchronously, so re-entrant calls are ignored and the
    /// offset is advanced before each write.
    func pumpLargeBody(context: ChannelHandlerContext) {
        guard !pumping else { return }
        pumping = true
        defer { pumping = false }
        while let current = pump, current.offset < current.size, context.channel.isWritable {
            let length = min(LargeBodyPattern.blockSize, current.size - current.offset)
            let block = LargeBodyPattern.slice(offset: current.offset, length: length)
            pump?.offset += length
            if current.chunked {
                context.write(wrapOutboundOut(ByteBuffer(string: String(length, radix: 16) + "\r\n")), promise: nil)
                context.write(wrapOutboundOut(block), promise: nil)
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "\r\n")), promise: nil)
            } else {
                context.writeAndFlush(wrapOutboundOut(block), promise: nil)
            }
        }
        guard let current = pump, current.offset == current.size else { return }
        pump = nil
        if current.chunked { context.write(wrapOutboundOut(ByteBuffer(string: "0\r\n\r\n")), promise: nil) }
        finish(current.request, responseHeaders: current.headers, context: context)
    }

    private func writeHead(
        status: Int, headers: [(String, String)], for request: RecordedRequest, context: ChannelHandlerContext
    ) {
        var headers = headers
        if !request.keepAlive, !headers.contains(where: { $0.0.lowercased() == "connection" }) {
            headers.append(("Connection", "close"))
        }
        let reason = HTTPResponseStatus(statusCode: status).reasonPhrase
        var head = "HTTP/1.1 \(status) \(reason)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        context.write(wrapOutboundOut(ByteBuffer(string: head)), promise: nil)
    }

    private static func frame(_ bytes: [UInt8], chunked: Bool) -> ByteBuffer {
        guard chunked else { return ByteBuffer(bytes: bytes) }
        var buffer = ByteBuffer(string: String(bytes.count, radix: 16) + "\r\n")
        buffer.writeBytes(bytes)
        buffer.writeString("\r\n")
        return buffer
    }

    static func isFramed(_ headers: [(String, String)]) -> Bool {
        headers.contains { ["content-length", "transfer-encoding"].contains($0.0.lowercased()) }
    }

    static func forbidsBody(_ status: Int) -> Bool {
        status < 200 || status == 204 || status == 304
    }
}
