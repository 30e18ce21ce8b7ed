import NIOCore
import NIOPosix
import NIOSSL

/// A test client that speaks HTTP/1.1 by hand over a real loopback socket: it sends
/// exactly the bytes a test gives it (malformed ones included) and parses responses
/// itself, recording when every byte arrived.
///
/// An actor because a test may read from one task while another sends; requests can be
/// pipelined by sending several and then reading the responses in order.
actor RawHTTPClient {
    nonisolated let channel: any Channel
    let inbox: AwaitableState<ClientInbox>
    /// Bytes received and not yet parsed.
    var queue = ByteQueue()
    /// Framing of the response body being read, nil before the first head.
    var bodyState: BodyState?
    var lastTrailers: [(String, String)] = []
    /// Decoded body bytes not yet split into SSE events, and when the latest came in.
    var eventBuffer: [UInt8] = []
    var eventBufferArrival: ContinuousClock.Instant = .now

    enum BodyState {
        case length(remaining: Int)
        case chunked
        case untilClose
        case done
    }

    private init(channel: any Channel, inbox: AwaitableState<ClientInbox>) {
        self.channel = channel
        self.inbox = inbox
    }

    /// `tls`: speak TLS with that context (the server's name is not checked, its chain is).
    /// `from`: the local address to connect from (another client: any of 127.0.0.0/8).
    static func connect(
        host: String = "127.0.0.1",
        port: Int,
        from local: String? = nil,
        tls: NIOSSLContext? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RawHTTPClient {
        let inbox = AwaitableState(ClientInbox())
        var bootstrap = ClientBootstrap(group: group)
        if let local { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: local, port: 0)) }
        let channel =
            try await bootstrap
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(ClientInboxHandler(inbox: inbox))
                }
            }
            .connect(host: host, port: port)
            .get()
        return RawHTTPClient(channel: channel, inbox: inbox)
    }

    func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Half-closes: the server sees end of input, the client can still read.
    func closeWrite() async throws {
        try await channel.close(mode: .output)
    }

    func close() async {
        try? await channel.close()
    }

    /// True once the connection has closed (by either side) within `timeout`; awaits the
    /// close event rather than polling.
    func isClosed(within timeout: Duration) async -> Bool {
        do {
            _ = try await inbox.wait(for: "connection close", timeout: timeout) { $0.closed ? true : nil }
            return true
        } catch {
            return false
        }
    }

    /// The error that closed the connection (a reset, say), if it closed with one.
    var closeError: (any Error)? { inbox.value.error }

    /// Bytes as they arrive, framing ignored (unparsed queued bytes first); nil once the
    /// connection has closed and everything was returned.
    func nextBytes(timeout: Duration = .seconds(10)) async throws -> ReceivedBytes? {
        if let queued = queue.takeAll() { return queued }
        guard try await pull(until: .now + timeout, "bytes") else { return nil }
        return queue.takeAll()
    }

    /// Every byte from here until the peer closes the connection.
    func readUntilClose(timeout: Duration = .seconds(10)) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        var bytes = queue.takeAll()?.bytes ?? []
        while try await pull(until: deadline, "connection close") {
            bytes += queue.takeAll()?.bytes ?? []
        }
        return bytes
    }

    /// Moves newly received bytes into `queue`; false when the connection closed and
    /// nothing more will come.
    func pull(until deadline: ContinuousClock.Instant, _ what: String) async throws -> Bool {
        let queued = queue.count
        let taken = try await inbox.wait(
            for: "\(what) (\(queued) unparsed bytes queued)",
            timeout: deadline - .now
        ) { $0.take() }
        switch taken {
        case .bytes(let received):
            for piece in received { queue.append(piece) }
            return true
        case .closed:
            return false
        }
    }
}
