import Dispatch
public import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
public import NIOPosix

/// The running gateway: its listener, its per-loop state and its shutdown.
public final class GatewayServer: Sendable {
    public let localPort: Int
    public let readiness: Readiness
    private let serverChannel: any Channel
    private let loops: [NIOLoopBound<LoopContext>]
    private let observability: Observability
    private let configuration: GatewayConfiguration
    private let logger: Logger
    private let limiterSweep: RepeatedTask?
    private let sharedLimits: SharedLimitSync?
    private let dns: DNSFollower
    private let dnsRefresh: RepeatedTask?
    private let tls: TLSContextBox?

    private init(
        serverChannel: any Channel, loops: [NIOLoopBound<LoopContext>], readiness: Readiness,
        observability: Observability, configuration: GatewayConfiguration, logger: Logger,
        limiterSweep: RepeatedTask?, sharedLimits: SharedLimitSync?, dns: DNSFollower, dnsRefresh: RepeatedTask?,
        tls: TLSContextBox?
    ) {
        self.tls = tls
        self.dns = dns
        self.dnsRefresh = dnsRefresh
        self.limiterSweep = limiterSweep
        self.sharedLimits = sharedLimits
        self.serverChannel = serverChannel
        self.localPort = serverChannel.localAddress?.port ?? configuration.port
        self.loops = loops
        self.readiness = readiness
        self.observability = observability
        self.configuration = configuration
        self.logger = logger
    }

    /// Binds the listener and makes each event loop's state. API_GATEWAY_HOST `::` falls back
    /// to 0.0.0.0 where IPv6 is unavailable.
    public static func start(
        configuration: GatewayConfiguration, group: MultiThreadedEventLoopGroup, observability: Observability,
        logger: Logger
    ) async throws -> GatewayServer {
        let readiness = Readiness()
        // The CLI has loaded the pair already (exit 2 on a bad one); a configuration made in code may not have.
        var loaded = configuration
        if loaded.tls == nil { try loaded.loadTLS() }
        let tls = loaded.tls.map {
            TLSContextBox($0, certificateFile: configuration.tlsCertificateFile, keyFile: configuration.tlsKeyFile)
        }
        let shared = GatewayShared(configuration: configuration, readiness: readiness, logger: logger, tls: tls)
        var loops: [NIOLoopBound<LoopContext>] = []
        for eventLoop in group.makeIterator() {
            loops.append(
                try await eventLoop.submit {
                    let observer = observability.makeLoopObserver(eventLoop: eventLoop)
                    let context = LoopContext(
                        eventLoop: eventLoop, configuration: configuration, routing: shared.pipeline.routing,
                        observer: observer)
                    context.startSweeping(interval: Self.sweepInterval(configuration))
                    return NIOLoopBound(context, eventLoop: eventLoop)
                }.get())
        }
        observability.reportEndpoints(of: shared.pipeline.routing)
        let byLoop = Dictionary(uniqueKeysWithValues: loops.map { (ObjectIdentifier($0.eventLoop), $0) })
        let open = OpenConnections()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        AcceptGate(limit: configuration.maxConnections, open: open, bans: shared.abuseBans))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            // A whole 64 KiB response plus its head fits before backpressure kicks in.
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 64 * 1024, high: 256 * 1024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let loop = byLoop[ObjectIdentifier(channel.eventLoop)]?.value else {
                        throw ChannelError.ioOnClosedChannel
                    }
                    try ClientPipeline.configure(channel, shared: shared, loop: loop)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch  where configuration.host == "::" {
            logger.notice("IPv6 unavailable, listening on 0.0.0.0", metadata: ["error": "\(error)"])
            channel = try await bootstrap.bind(host: "0.0.0.0", port: configuration.port).get()
        }
        // Buckets refilled to capacity are dropped, so memory returns after a flood (SPEC §5). The
        // sweep (up to RATE_LIMIT_MAX_KEYS buckets) and malloc_trim run on a queue of their own, not
        // on an event loop: the loop's timer only hands the work over.
        let limiter = shared.pipeline.limiter
        let maintenance = DispatchQueue(label: "aegis-limiter-sweep", qos: .utility)
        let sweep = loops.first?.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(5), delay: .seconds(5)) { _ in
            maintenance.async {
                let before = limiter.keyCount
                limiter.sweep(now: Double(NIODeadline.now().uptimeNanoseconds) / 1e9)
                if before - limiter.keyCount > 10_000 { MemoryRelease.returnFreedMemory() }
            }
        }
        // Shared limits (SPEC §16): rounds run on one loop; an unreachable Redis does not hold up start-up.
        let sharedLimits = configuration.rateLimitRedis.map { url in
            SharedLimitSync.start(
                url: url, interval: .milliseconds(configuration.rateLimitSyncMilliseconds),
                replyTimeout: .milliseconds(configuration.rateLimitRedisReplyTimeoutMilliseconds), limiter: limiter,
                eventLoop: group.next(), metrics: observability.metrics, logger: logger,
                monotonicNow: { Double(NIODeadline.now().uptimeNanoseconds) / 1e9 })
        }
        // Endpoint host names are followed (SPEC §15): resolved now and every UPSTREAM_DNS_REFRESH_SECONDS.
        let swap = NIOLockedValueBox<GatewayServer?>(nil)
        let dns = DNSFollower(
            routes: configuration.file?.routes ?? aegisRoutes,
            services: configuration.file?.services ?? configuration.endpoints,
            resolver: configuration.hostResolver
        ) { table in await swap.withLockedValue { $0 }?.apply(table) }
        let dnsRefresh = loops.first?.eventLoop.scheduleRepeatedTask(
            initialDelay: .zero, delay: .seconds(configuration.upstreamDNSRefreshSeconds)
        ) { _ in dns.refresh() }
        let server = GatewayServer(
            serverChannel: channel, loops: loops, readiness: readiness, observability: observability,
            configuration: configuration, logger: logger, limiterSweep: sweep, sharedLimits: sharedLimits, dns: dns,
            dnsRefresh: dnsRefresh, tls: tls)
        swap.withLockedValue { $0 = server }
        return server
    }

    /// Whether the public port speaks TLS.
    public var isTLS: Bool { tls != nil }

    /// Reads TLS_CERT_FILE and TLS_KEY_FILE again for new connections (SIGHUP, SPEC §17). Returns
    /// whether a new pair is in use (a bad one is logged and the old one kept).
    @discardableResult
    public func reloadTLS() -> Bool {
        tls?.reload(logger: logger) ?? false
    }

    /// Routes new requests by a configuration file's content from now on (a reload, SPEC §14),
    /// its host names at the addresses known so far.
    public func reconfigure(_ file: ConfigurationFile) async {
        await dns.configure(routes: file.routes, services: file.services)
    }

    /// Routes new requests by `routing` from now on (SPEC §14): each loop swaps its table between
    /// two requests, so a request keeps the table it started with. Idle pooled connections to
    /// endpoints the new table no longer has are closed; the others are kept.
    public func apply(_ routing: RoutingTable) async {
        observability.reportEndpoints(of: routing)
        for bound in loops {
            try? await bound.eventLoop.submit {
                bound.value.routing = routing
                bound.value.pool.closeIdle(except: routing.endpointIDs)
            }.get()
        }
    }

    /// Deadlines are checked this often: a quarter of the shortest timeout, between 10 and 250 ms.
    static func sweepInterval(_ configuration: GatewayConfiguration) -> TimeAmount {
        let shortest = min(
            configuration.upstreamResponseTimeoutMilliseconds, configuration.clientHeaderTimeoutSeconds * 1000,
            configuration.clientIdleTimeoutSeconds * 1000, configuration.progressTimeoutSeconds * 1000)
        return .milliseconds(max(10, min(250, shortest / 4)))
    }

    /// SPEC §13: /ready turns 503 at once; serving goes on for SHUTDOWN_DELAY_SECONDS; then no new
    /// connections, idle ones closed, in-flight ones finish within SHUTDOWN_GRACE_SECONDS; the rest
    /// is closed.
    public func shutdown() async {
        readiness.beginDraining()
        logger.info("shutdown: draining", metadata: ["delay_s": "\(configuration.shutdownDelaySeconds)"])
        if configuration.shutdownDelaySeconds > 0 {
            try? await Task.sleep(for: .seconds(configuration.shutdownDelaySeconds))
        }
        try? await serverChannel.close()
        var closeFutures: [EventLoopFuture<Void>] = []
        for bound in loops {
            let futures = try? await bound.eventLoop.submit {
                let loop = bound.value
                // HTTP/2 connections get a GOAWAY and close once their streams are done.
                let channels = loop.connections.values.compactMap { $0.context?.channel } + loop.http2Connections.values
                for channel in channels {
                    channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
                }
                return channels.map(\.closeFuture)
            }.get()
            closeFutures += futures ?? []
        }
        if !closeFutures.isEmpty, let first = loops.first?.eventLoop {
            // Whichever comes first: every connection closed, or the grace period over. (A task
            // group would also wait for the loser, i.e. for streams that never end.)
            let allClosed = EventLoopFuture.andAllComplete(closeFutures, on: first)
            let grace = TimeAmount.seconds(configuration.shutdownGraceSeconds)
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let once = ResumeOnce(continuation)
                allClosed.whenComplete { _ in once.resume() }
                first.scheduleTask(in: grace) { once.resume() }
            }
        }
        for bound in loops {
            try? await bound.eventLoop.submit {
                let loop = bound.value
                for handler in loop.connections.values { handler.context?.close(promise: nil) }
                loop.stopSweeping()
                loop.pool.closeAll()
                loop.observer.flush()
            }.get()
        }
        limiterSweep?.cancel()
        dnsRefresh?.cancel()
        await sharedLimits?.stop()
        observability.stop()
        logger.info("shutdown: done")
    }
}

/// Resumes a continuation at most once, whichever of several events comes first.
private final class ResumeOnce: Sendable {
    private let continuation: NIOLockedValueBox<CheckedContinuation<Void, Never>?>

    init(_ continuation: CheckedContinuation<Void, Never>) {
        self.continuation = NIOLockedValueBox(continuation)
    }

    func resume() {
        continuation.withLockedValue { pending in
            pending?.resume()
            pending = nil
        }
    }
}
