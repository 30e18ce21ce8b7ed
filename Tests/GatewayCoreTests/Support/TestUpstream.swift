import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP/1.1 backend on 127.0.0.1 (ephemeral port) whose answers the test scripts
/// with an `UpstreamPlan` per request, and which records everything it received.
final class TestUpstream: Sendable {
    typealias Handler = UpstreamCore.Handler

    let port: Int
    private let server: any Channel
    private let core: UpstreamCore

    var url: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, server: any Channel, core: UpstreamCore) {
        self.port = port
        self.server = server
        self.core = core
    }

    /// - Parameters:
    ///   - retainBodyLimit: request body bytes kept in `RecordedRequest.body` (all are hashed).
    ///   - port: 0 for an ephemeral one, or a port to take again (an upstream "restarting").
    ///   - handler: picks the plan for each complete request; defaults to 200 `{"ok":true}`.
    static func start(
        retainBodyLimit: Int = 1 << 20,
        host: String = "127.0.0.1",
        port requestedPort: Int = 0,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        handler: @escaping Handler = { _ in .json(#"{"ok":true}"#) }
    ) async throws -> TestUpstream {
        let core = UpstreamCore(retainLimit: retainBodyLimit, handler: handler)
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                let number = core.accept(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes))
                    )
                    try channel.pipeline.syncOperations.addHandler(
                        TestUpstreamHandler(core: core, connectionNumber: number))
                }
            }
            .bind(host: host, port: requestedPort)
            .get()
        guard let port = server.localAddress?.port else {
            try? await server.close()
            throw TestUpstreamError.noLocalPort
        }
        return TestUpstream(port: port, server: server, core: core)
    }

    /// Replaces the handler for requests completed from now on.
    func setHandler(_ handler: @escaping Handler) {
        core.handler = handler
    }

    /// Every complete request received so far, in order of completion.
    var requests: [RecordedRequest] { core.ledger.value.requests }
    var connectionsAccepted: Int { core.ledger.value.connectionsAccepted }
    var connectionsClosed: Int { core.ledger.value.connectionsClosed }

    /// Waits until at least `count` requests have been received; returns all of them.
    @discardableResult
    func waitForRequests(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [RecordedRequest] {
        try await core.ledger.wait(for: "\(count) upstream requests", timeout: timeout) {
            $0.requests.count >= count ? $0.requests : nil
        }
    }

    /// Waits until at least `count` accepted connections have closed.
    func waitForClosedConnections(_ count: Int, timeout: Duration = .seconds(10)) async throws {
        _ = try await core.ledger.wait(for: "\(count) closed upstream connections", timeout: timeout) {
            $0.connectionsClosed >= count ? true : nil
        }
    }

    /// Stops listening and closes every open connection.
    func shutdown() async throws {
        try? await server.close()
        for channel in core.ledger.value.open.values {
            try? await channel.close()
        }
    }
}

enum TestUpstreamError: Error {
    case noLocalPort
}
