import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix

/// `/metrics` on METRICS_HOST:METRICS_PORT, never on the public port (SPEC §13).
public final class MetricsServer: Sendable {
    public let localPort: Int
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
        self.localPort = channel.localAddress?.port ?? 0
    }

    public static func start(
        host: String, port: Int, observability: Observability, group: any EventLoopGroup
    ) async throws -> MetricsServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(observability: observability))
                }
            }
            .bind(host: host, port: port).get()
        return MetricsServer(channel: channel)
    }

    public func close() async {
        try? await channel.close()
    }
}

private final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let observability: Observability
    private var head: HTTPRequestHead?

    init(observability: Observability) { self.observability = observability }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            guard path == "/metrics", head.method == .GET || head.method == .HEAD else {
                respond(
                    context: context, status: .notFound, body: Array(#"{"error":"not_found"}"#.utf8),
                    type: "application/json", head: head)
                return
            }
            let observability = self.observability
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let loop = context.eventLoop
            Task {
                let bytes = await observability.scrape()
                loop.execute {
                    let (handler, context) = bound.value
                    handler.respond(
                        context: context, status: .ok, body: bytes, type: "text/plain; version=0.0.4; charset=utf-8",
                        head: head)
                }
            }
        }
    }

    private func respond(
        context: ChannelHandlerContext, status: HTTPResponseStatus, body: [UInt8], type: String, head: HTTPRequestHead
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(body.count))
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
            promise: nil)
        if head.method != .HEAD {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let keepAlive = head.isKeepAlive
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
