import Logging
import NIOCore
import RESP

/// Keeps this gateway's buckets in step with every other gateway's through Redis (SPEC §16),
/// off the request path.
///
/// Requests decide from local buckets only. Every `interval`, one round (never two at once)
/// sends the tokens taken since the last round, key by key, in one pipelined write of script
/// calls, and sets each local bucket from Redis' answer. While Redis is unreachable, slow or
/// answering errors, nothing is counted and each gateway limits alone (fail open); the client
/// reconnects with backoff and sharing resumes after the first clean answer.
final class SharedLimitSync: Sendable {
    /// Most keys reported per round: bounds a round's work after a flood of new clients.
    static let maxKeysPerRound = 10_000
    /// A key the start-up probe (and each reconnect) writes with nothing taken: it proves the
    /// store accepts updates, and loads the script.
    static let probeKey = RateLimitKey.user("~probe")
    static let gauge = "aegis_rate_limit_store_up"

    private struct State: Sendable {
        var health = StoreHealth()
        var roundInFlight = false
        var timer: RepeatedTask?
    }

    let client: RESPClient
    private let limiter: RateLimiter
    private let script: SharedLimitScript
    private let metrics: MetricsSink
    private let logger: Logger
    private let state: NIOLoopBoundBox<State>
    private let monotonicNow: @Sendable () -> Double

    private init(
        client: RESPClient, limiter: RateLimiter, metrics: MetricsSink, logger: Logger,
        state: NIOLoopBoundBox<State>, monotonicNow: @escaping @Sendable () -> Double
    ) {
        self.client = client
        self.limiter = limiter
        self.script = SharedLimitScript(burst: limiter.burst, perMinute: limiter.perMinute)
        self.metrics = metrics
        self.logger = logger
        self.state = state
        self.monotonicNow = monotonicNow
    }

    /// Connects (in the background: an unreachable Redis does not delay start-up) and starts the rounds.
    static func start(
        url: RedisURL, interval: TimeAmount, replyTimeout: TimeAmount = .milliseconds(50), limiter: RateLimiter,
        eventLoop: any EventLoop, metrics: MetricsSink, logger: Logger, monotonicNow: @escaping @Sendable () -> Double
    ) -> SharedLimitSync {
        metrics.setGauge(gauge, 0)
        let state = NIOLoopBoundBox.makeBoxSendingValue(State(), eventLoop: eventLoop)
        var configuration = RESPClient.Configuration(url: url)
        configuration.commandTimeout = replyTimeout
        let client = RESPClient(configuration: configuration, eventLoop: eventLoop)
        let sync = SharedLimitSync(
            client: client, limiter: limiter, metrics: metrics, logger: logger, state: state, monotonicNow: monotonicNow
        )
        eventLoop.execute {
            sync.state.value.timer = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) {
                [weak sync] _ in sync?.runRound()
            }
            client.start { [weak sync] event in sync?.handle(event) }
        }
        return sync
    }

    /// Stops the rounds and closes the connection; unreported takes are dropped.
    func stop() async {
        try? await client.eventLoop.submit {
            self.state.value.timer?.cancel()
            self.state.value.timer = nil
        }.get()
        try? await client.shutdown().get()
    }

    // MARK: - On the loop

    private func handle(_ event: RESPClient.Event) {
        switch event {
        case .connected:
            // A clean answer to a real update, not the login, is what makes the store "up".
            update([(Self.probeKey, 0)]).whenComplete { result in
                switch result {
                case .success: self.perform(self.state.value.health.storeAnswered())
                case .failure(let error): self.storeFailed(error)
                }
            }
        case .connectFailed(let error), .disconnected(let error):
            storeFailed(error)
        }
    }

    private func runRound() {
        guard state.value.health.isSharing, !state.value.roundInFlight else { return }
        let batch = limiter.drainUnsynced(limit: Self.maxKeysPerRound)
        guard !batch.isEmpty else { return }
        state.value.roundInFlight = true
        update(batch).whenComplete { result in
            self.state.value.roundInFlight = false
            switch result {
            case .success(let tokens):
                self.limiter.applyShared(zip(batch, tokens).map { ($0.key, $1) }, now: self.monotonicNow())
            case .failure(let error):
                self.storeFailed(error)
            }
        }
    }

    /// Sends `batch` by script hash, and once more with the script's source for the calls
    /// Redis answers NOSCRIPT. Answers the tokens left per key, in order.
    private func update(_ batch: [(key: RateLimitKey, taken: Double)]) -> EventLoopFuture<[Double]> {
        let calls = script.calls(for: batch[...], byHash: true)
        return client.send(calls).flatMap { replies in
            var tokens: [Double] = []
            tokens.reserveCapacity(batch.count)
            var retry: [Int] = []
            for (index, reply) in replies.enumerated() {
                let expected = min(SharedLimitScript.keysPerCall, batch.count - index * SharedLimitScript.keysPerCall)
                do throws(SharedLimitScript.ReplyError) {
                    tokens += try SharedLimitScript.tokens(in: reply, expected: expected)
                } catch {
                    guard error.isNoScript else { return self.client.eventLoop.makeFailedFuture(error) }
                    retry.append(index)
                    tokens += repeatElement(Double.nan, count: expected)
                }
            }
            guard !retry.isEmpty else { return self.client.eventLoop.makeSucceededFuture(tokens) }
            let answered = tokens
            let retried = retry
            let again = retried.flatMap { index in
                let start = index * SharedLimitScript.keysPerCall
                return self.script.calls(
                    for: batch[start..<min(start + SharedLimitScript.keysPerCall, batch.count)], byHash: false)
            }
            return self.client.send(again).flatMapThrowing { replies in
                var tokens = answered
                for (call, reply) in zip(retried, replies) {
                    let start = call * SharedLimitScript.keysPerCall
                    let part = try SharedLimitScript.tokens(
                        in: reply, expected: min(SharedLimitScript.keysPerCall, batch.count - start))
                    tokens.replaceSubrange(start..<start + part.count, with: part)
                }
                return tokens
            }
        }
    }

    private func storeFailed(_ error: any Error) {
        // The warning names the first cause of an outage; each later one is a debug line.
        logger.debug("rate-limit store attempt failed", metadata: ["cause": "\(error)"])
        perform(state.value.health.storeFailed(cause: "\(error)"))
        // An error reply leaves a working connection to a store that refuses updates: close it,
        // so the probe runs again after the client's backoff.
        if error is SharedLimitScript.ReplyError { client.dropConnection() }
    }

    private func perform(_ actions: [StoreHealth.Action]) {
        let store = client.configuration.url.description
        for action in actions {
            switch action {
            case .share(let on):
                limiter.setCountsTakes(on)
                metrics.setGauge(Self.gauge, on ? 1 : 0)
            case .logConnected:
                logger.info("rate limits shared through Redis", metadata: ["store": "\(store)"])
            case .logOutage(let cause):
                logger.warning(
                    "rate-limit store unavailable; limiting locally until it is back",
                    metadata: ["store": "\(store)", "cause": "\(cause)"])
            case .logRecovered:
                logger.notice("rate-limit store back; limits shared again", metadata: ["store": "\(store)"])
            }
        }
    }
}
