import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL

/// An HTTP/2 client for tests: over TLS (ALPN h2) or cleartext with prior knowledge. Requests are
/// written as raw HEADERS and DATA frames, so a test can send what no library client would (a
/// Host that disagrees with `:authority`, say). Over TLS it offers only `h2`: the server speaks
/// HTTP/2 only when ALPN chose it, so a working request shows that it did.
final class H2TestClient: Sendable {
    let channel: any Channel
    private let multiplexer: NIOHTTP2Handler.StreamMultiplexer

    private init(channel: any Channel, multiplexer: NIOHTTP2Handler.StreamMultiplexer) {
        self.channel = channel
        self.multiplexer = multiplexer
    }

    /// `serverHostname`: the name the server's certificate must carry (checked when given).
    /// `validating: false` lets the client send header blocks that break RFC 9113 (NIO's client
    /// refuses them otherwise), to see the gateway refuse them.
    static func connect(
        port: Int, tls: NIOSSLContext? = nil, serverHostname: String? = nil, validating: Bool = true
    ) async throws -> H2TestClient {
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.headerBlockValidation = validating ? .enabled : .disabled
        let (channel, multiplexer) = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls {
                        try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                    }
                    let multiplexer = try sync.configureHTTP2Pipeline(
                        mode: .client, connectionConfiguration: configuration, streamConfiguration: .init()
                    ) { stream in stream.eventLoop.makeSucceededVoidFuture() }
                    return (channel, multiplexer)
                }
            }
        return H2TestClient(channel: channel, multiplexer: multiplexer)
    }

    struct Response: Sendable {
        var status: Int
        var headers: HPACKHeaders
        var body: [UInt8]
        /// DATA frames as they came, each with its arrival.
        var frames: [(bytes: [UInt8], at: ContinuousClock.Instant)]
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers.first(name: name) }
    }

    struct StreamReset: Error, Equatable { let code: HTTP2ErrorCode }

    /// Sends one request on a new stream and waits for its whole response.
    func request(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        authority: String = "gateway.test", scheme: String = "https"
    ) async throws -> Response {
        try await request(
            block: Self.block(method, path, headers: headers, authority: authority, scheme: scheme), body: body)
    }

    static func block(
        _ method: String, _ path: String, headers: [(String, String)], authority: String = "gateway.test",
        scheme: String = "https"
    ) -> HPACKHeaders {
        var block = HPACKHeaders([(":method", method), (":scheme", scheme), (":path", path), (":authority", authority)])
        for (name, value) in headers { block.add(name: name.lowercased(), value: value) }
        return block
    }

    /// A new stream whose frames go to the handler `makeHandler` makes.
    private func openStream(_ makeHandler: @escaping @Sendable () -> any ChannelHandler) async throws -> any Channel {
        let created = channel.eventLoop.makePromise(of: (any Channel).self)
        multiplexer.createStreamChannel(promise: created) { stream in
            stream.eventLoop.makeCompletedFuture { try stream.pipeline.syncOperations.addHandler(makeHandler()) }
        }
        return try await created.futureResult.get()
    }

    /// Sends `block` as it is (names not lower-cased, pseudo-fields as given) on a new stream.
    /// `ending: false` leaves the request open after `body` (an upload that stalls).
    func request(block: HPACKHeaders, body: [UInt8]? = nil, ending: Bool = true) async throws -> Response {
        let promise = channel.eventLoop.makePromise(of: Response.self)
        let stream = try await openStream { ResponseCollector(promise: promise) }
        stream.write(
            HTTP2Frame.FramePayload.headers(.init(headers: block, endStream: ending && body == nil)), promise: nil)
        if let body {
            stream.write(
                HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer(bytes: body)), endStream: ending)),
                promise: nil)
        }
        stream.flush()
        return try await promise.futureResult.get()
    }

    /// Opens a GET stream for `path` and returns it once its first DATA frame has arrived;
    /// closing it then resets it (CANCEL), as a browser does when a page drops an EventSource.
    func streamAfterFirstData(_ path: String, headers: [(String, String)] = []) async throws -> any Channel {
        let firstData = channel.eventLoop.makePromise(of: Void.self)
        let stream = try await openStream { FirstDataWaiter(promise: firstData) }
        let block = Self.block("GET", path, headers: headers)
        try await stream.writeAndFlush(HTTP2Frame.FramePayload.headers(.init(headers: block, endStream: true)))
        try await firstData.futureResult.get()
        return stream
    }

    func close() async {
        try? await channel.close()
    }
}

/// Completes its promise at a stream's first DATA frame (fails it if the stream ends first).
private final class FirstDataWaiter: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload

    private var promise: EventLoopPromise<Void>?

    init(promise: EventLoopPromise<Void>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .data = unwrapInboundIn(data) {
            promise?.succeed()
            promise = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise?.fail(ChannelError.eof)
        promise = nil
    }
}

/// Gathers one stream's response.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload

    private let promise: EventLoopPromise<H2TestClient.Response>
    private var response = H2TestClient.Response(status: 0, headers: [:], body: [], frames: [])

    init(promise: EventLoopPromise<H2TestClient.Response>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let headers):
            if let status = headers.headers.first(name: ":status").flatMap(Int.init), status >= 200 {
                response.status = status
                response.headers = headers.headers
            }
            if headers.endStream { promise.succeed(response) }
        case .data(let data):
            if case .byteBuffer(let buffer) = data.data {
                let bytes = Array(buffer.readableBytesView)
                response.body += bytes
                if !bytes.isEmpty { response.frames.append((bytes, .now)) }
            }
            if data.endStream { promise.succeed(response) }
        case .rstStream(let code):
            promise.fail(H2TestClient.StreamReset(code: code))
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
    }
}
