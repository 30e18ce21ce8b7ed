import Logging
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL
import NIOTLS

/// Builds a client connection's pipeline (SPEC §17): TLS when configured, then HTTP/2 or
/// HTTP/1.1 by ALPN; on a cleartext port, HTTP/2 by prior knowledge (its preface) or HTTP/1.1.
/// Every request, of either version, ends at a `ClientHandler`.
enum ClientPipeline {
    static func configure(_ channel: any Channel, shared: GatewayShared, loop: LoopContext) throws {
        let sync = channel.pipeline.syncOperations
        // The handlers below run on this loop; the bound only carries the loop's state into them.
        let bound = NIOLoopBound(loop, eventLoop: channel.eventLoop)
        if let tls = shared.tls {
            try sync.addHandler(NIOSSLServerHandler(context: tls.current))
            try sync.addHandler(
                ApplicationProtocolNegotiationHandler { result, channel in
                    channel.eventLoop.makeCompletedFuture {
                        if case .negotiated("h2") = result {
                            try configureHTTP2(channel, shared: shared, loop: bound.value, secure: true)
                        } else {
                            try configureHTTP1(channel, shared: shared, loop: bound.value, secure: true)
                        }
                    }
                })
        } else {
            try sync.addHandler(
                PriorKnowledgeSniffer { isHTTP2, channel in
                    if isHTTP2 {
                        try configureHTTP2(channel, shared: shared, loop: loop, secure: false)
                    } else {
                        try configureHTTP1(channel, shared: shared, loop: loop, secure: false)
                    }
                })
        }
    }

    static func configureHTTP1(_ channel: any Channel, shared: GatewayShared, loop: LoopContext, secure: Bool) throws {
        let client = ClientHandler(shared: shared, loop: loop, secure: secure)
        let sync = channel.pipeline.syncOperations
        // A head over 64 KiB or 100 fields is refused by the reader with 431; a target over 8 KiB
        // within that gets its 414 from the pipeline. Responses are framed by the gateway
        // (HeadSerializer).
        try sync.addHandler(HTTP1RequestReader(client))
        try sync.addHandler(client)
    }

    /// One `ClientHandler` per stream, without a channel of its own (`HTTP2StreamRouter`), on the
    /// connection's event loop, so the forwarding path and its upstream pool stay loop-local as
    /// for HTTP/1.1.
    static func configureHTTP2(_ channel: any Channel, shared: GatewayShared, loop: LoopContext, secure: Bool) throws {
        let configuration = shared.configuration
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: configuration.http2MaxConcurrentStreams),
            HTTP2Setting(parameter: .initialWindowSize, value: configuration.http2Windows.stream),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 64 * 1024),
        ]
        // Request blocks are checked by `HTTP2StreamCodec` (`HTTP2FieldRules`): NIO's switch
        // checked the gateway's own responses too, a sixth of a request's instructions.
        connection.headerBlockValidation = .disabled
        let manager = NIOHTTP2ServerConnectionManagementHandler(
            eventLoop: channel.eventLoop,
            configuration: .init(
                maxIdleTime: .seconds(configuration.clientIdleTimeoutSeconds), maxAge: nil,
                maxGraceTime: .seconds(configuration.shutdownGraceSeconds), keepalive: nil))
        let sync = channel.pipeline.syncOperations
        let peer = channel.remoteAddress.flatMap(IPAddress.init)
        // Next to TLS, so each record carries as many frames as fit.
        try sync.addHandler(HTTP2WriteJoiner())
        try sync.addHandler(
            HTTP2GoAwayWatcher(abused: {
                if let peer { banAfterAbuse(peer, shared: shared, loop: loop) }
            }))
        // Above the watcher: a GOAWAY it sees is flushed at once, the rest wait for the tick's end.
        try sync.addHandler(HTTP2FlushCoalescer())
        try sync.addHandler(HTTP2ReadAligner())
        try sync.addHandler(NIOHTTP2Handler(mode: .server, connectionConfiguration: connection))
        try sync.addHandler(HTTP2StreamRouter(shared: shared, loop: loop, secure: secure))
        // After the router, which keeps the window events: the manager counts streams from NIO's
        // other events (idle timeout, graceful shutdown).
        try sync.addHandler(manager)
        // The channel was active before the manager came (after ALPN, or the sniffed preface):
        // its timers start at channelActive, which it would never see, and an idle connection
        // then stayed open for good.
        manager.channelActive(context: try sync.context(handler: manager))
        loop.http2Connections[ObjectIdentifier(channel)] = channel
        channel.closeFuture.assumeIsolated().whenComplete { _ in
            loop.http2Connections.removeValue(forKey: ObjectIdentifier(channel))
        }
    }
}

extension ClientPipeline {
    /// A connection from `peer` was cut for abuse: its address is refused for a while (SPEC §17),
    /// logged once and counted.
    static func banAfterAbuse(_ peer: IPAddress, shared: GatewayShared, loop: LoopContext) {
        let now = Int64(NIODeadline.now().uptimeNanoseconds)
        guard let ban = shared.abuseBans.ban(peer, now: now) else { return }
        loop.observer.clientAddressBanned()
        shared.logger.warning(
            "client address banned after HTTP/2 abuse",
            metadata: [
                "client": "\(peer.unmappedIPv4)", "seconds": "\((ban.until - now) / 1_000_000_000)",
                "offences": "\(ban.offences)",
            ])
    }
}
