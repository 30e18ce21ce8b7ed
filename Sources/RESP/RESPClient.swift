public import NIOCore
import NIOPosix

/// A Redis connection that keeps itself up: it connects, logs in (AUTH, SELECT), and after any
/// loss reconnects with exponential backoff, until shut down.
///
/// Commands are sent pipelined on the one connection and never queued while it is down: `send`
/// fails at once with `.notConnected`, because its caller (a background synchroniser) would
/// rather skip a round than wait. All state lives on `eventLoop`.
public final class RESPClient: Sendable {
    public struct Configuration: Sendable {
        public var url: RedisURL
        public var connectTimeout: TimeAmount = .seconds(1)
        /// Longest wait for the next reply while commands are pending.
        public var commandTimeout: TimeAmount = .milliseconds(50)
        public var initialBackoff: TimeAmount = .milliseconds(100)
        public var maximumBackoff: TimeAmount = .seconds(5)

        public init(url: RedisURL) { self.url = url }
    }

    /// What the owner hears about, on `eventLoop`.
    public enum Event: Sendable {
        /// A connection is up and logged in.
        case connected
        /// A connection attempt (or its handshake) failed; the next one is scheduled.
        case connectFailed(any Error)
        /// A ready connection was lost; a reconnect is scheduled.
        case disconnected(any Error)
    }

    private enum Phase: Sendable {
        case idle, connecting
        case ready(any Channel)
        case backingOff, shutDown
    }

    private struct State: Sendable {
        var phase: Phase = .idle
        var backoff: ReconnectBackoff
        var reconnect: Scheduled<Void>?
        var onEvent: @Sendable (Event) -> Void = { _ in }
    }

    public let eventLoop: any EventLoop
    public let configuration: Configuration
    private let state: NIOLoopBoundBox<State>

    public init(configuration: Configuration, eventLoop: any EventLoop) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.state = .makeBoxSendingValue(
            State(
                backoff: ReconnectBackoff(initial: configuration.initialBackoff, maximum: configuration.maximumBackoff)),
            eventLoop: eventLoop)
    }

    /// Starts connecting; from here on the client reconnects by itself and tells `onEvent`
    /// (on `eventLoop`) about each connection won or lost.
    public func start(onEvent: @escaping @Sendable (Event) -> Void) {
        eventLoop.execute {
            guard case .idle = self.state.value.phase else { return }
            self.state.value.onEvent = onEvent
            self.connect()
        }
    }

    /// Writes `commands` in one flush and returns their replies in order. Error replies are
    /// values, not failures; the future fails only when no reply can come.
    public func send(_ commands: [RESPCommand]) -> EventLoopFuture<[RESPValue]> {
        guard eventLoop.inEventLoop else {
            return eventLoop.flatSubmit { self.send(commands) }
        }
        guard case .ready(let channel) = state.value.phase,
            let handler = try? channel.pipeline.syncOperations.handler(type: RESPChannelHandler.self)
        else { return eventLoop.makeFailedFuture(RESPError.notConnected) }
        let promise = eventLoop.makePromise(of: [RESPValue].self)
        handler.send(commands, promise: promise)
        return promise.futureResult.map { replies in
            // A round the server answered without an error proves it healthy: backoff starts over.
            if !replies.contains(where: { $0.errorMessage != nil }) {
                self.state.value.backoff.reset()
            }
            return replies
        }
    }

    /// Closes the connection (say, after an error reply that makes it useless); a reconnect
    /// follows after the current backoff, which only a clean round resets.
    public func dropConnection() {
        eventLoop.execute {
            if case .ready(let channel) = self.state.value.phase { channel.close(promise: nil) }
        }
    }

    /// Closes the connection and stops reconnecting.
    public func shutdown() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            let previous = self.state.value.phase
            self.state.value.phase = .shutDown
            self.state.value.reconnect?.cancel()
            self.state.value.reconnect = nil
            if case .ready(let channel) = previous { return channel.close().recover { _ in } }
            return self.eventLoop.makeSucceededVoidFuture()
        }
    }

    // MARK: - Connection lifecycle (on the loop)

    private func connect() {
        state.value.phase = .connecting
        let timeout = configuration.commandTimeout
        let url = configuration.url
        ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RESPChannelHandler(timeout: timeout))
                }
            }
            .connect(host: url.host, port: url.port)
            .flatMap { channel in
                self.handshake(channel).map { channel }.flatMapErrorThrowing { error in
                    channel.close(promise: nil)
                    throw error
                }
            }
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    guard case .connecting = self.state.value.phase else {
                        channel.close(promise: nil)
                        return
                    }
                    self.state.value.phase = .ready(channel)
                    channel.closeFuture.whenComplete { _ in self.connectionClosed(channel) }
                    self.state.value.onEvent(.connected)
                case .failure(let error):
                    guard case .connecting = self.state.value.phase else { return }
                    self.scheduleReconnect()
                    self.state.value.onEvent(.connectFailed(error))
                }
            }
    }

    /// AUTH and SELECT, pipelined; any error reply refuses the connection.
    private func handshake(_ channel: any Channel) -> EventLoopFuture<Void> {
        let url = configuration.url
        var commands: [RESPCommand] = []
        if let password = url.password {
            commands.append(RESPCommand("AUTH", url.username.map { [$0, password] } ?? [password]))
        }
        if url.database != 0 { commands.append(RESPCommand("SELECT", [String(url.database)])) }
        guard !commands.isEmpty else { return eventLoop.makeSucceededVoidFuture() }
        let promise = eventLoop.makePromise(of: [RESPValue].self)
        do {
            try channel.pipeline.syncOperations.handler(type: RESPChannelHandler.self).send(commands, promise: promise)
        } catch {
            promise.fail(error)
        }
        return promise.futureResult.flatMapThrowing { replies in
            if let refusal = replies.lazy.compactMap(\.errorMessage).first {
                throw RESPError.handshakeRefused(refusal)
            }
        }
    }

    private func connectionClosed(_ channel: any Channel) {
        guard case .ready(let current) = state.value.phase, current === channel else { return }
        scheduleReconnect()
        state.value.onEvent(.disconnected(RESPError.connectionClosed))
    }

    private func scheduleReconnect() {
        state.value.phase = .backingOff
        let delay = state.value.backoff.next()
        state.value.reconnect = eventLoop.scheduleTask(in: delay) {
            self.state.value.reconnect = nil
            guard case .backingOff = self.state.value.phase else { return }
            self.connect()
        }
    }
}
