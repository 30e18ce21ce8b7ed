import NIOCore

/// The life of one client connection as a value: each event returns what the handler must do,
/// and the handler (`ClientHandler`) only does it. No I/O and no clock here: every event that
/// depends on time is given `now`, so each transition is tested on values.
///
/// Modelled on NIO's `HTTPServerPipelineHandler` and Hummingbird's `HTTPConnectionStateHandler`:
/// one request at a time; parts of pipelined requests read meanwhile wait in the handler's queue.
struct ClientConnectionStateMachine {
    struct Timeouts {
        /// From a head's first byte to its end (CLIENT_HEADER_TIMEOUT_SECONDS).
        var header: TimeAmount
        /// Between requests on a kept-alive connection (CLIENT_IDLE_TIMEOUT_SECONDS).
        var idle: TimeAmount
        /// Each request body part, and a client that reads nothing (SPEC §10: 60 s without progress).
        var progress: TimeAmount
        /// From the whole request being upstream to the response head (UPSTREAM_RESPONSE_TIMEOUT).
        var response: TimeAmount
    }

    enum State: Equatable {
        /// No request in progress. `idle`: nothing of the next head has arrived yet.
        case awaitingHead(deadline: NIODeadline, idle: Bool)
        /// A head was read and the pipeline decides (synchronously) how to answer it.
        case deciding
        /// The gateway answered; the request's body, if any, is read and dropped until its end.
        case discardingBody
        case forwarding(Forwarding)
        case closed
    }

    /// A request relayed upstream, from its head to its response's end.
    struct Forwarding: Equatable {
        enum Upstream: Equatable {
            /// Waiting for a connection (pooled or new); request bytes wait in the exchange.
            case connecting
            /// Request bytes flow upstream; no response head yet.
            case awaitingResponse
            /// The response head went to the client: from here a failure can only cut it.
            case relayingResponse
        }

        var upstream = Upstream.connecting
        let clientKeepAlive: Bool
        var requestEnded = false
        var sentBodyBytes = false
        var retried = false
        /// No response head by then: 504. Armed once the whole request is upstream.
        var responseDeadline = NIODeadline.distantFuture
    }

    private(set) var state: State
    let timeouts: Timeouts
    /// Shutdown began: no new request after the current one.
    private(set) var isDraining = false
    /// Parts of pipelined requests wait in the handler's queue until the connection is idle.
    private(set) var isQueueing = false
    /// A read was asked for and held back (backpressure or queueing).
    private var readPending = false
    private var bodyDeadline = NIODeadline.distantFuture
    private var writeStallDeadline = NIODeadline.distantFuture
    /// Response bytes written to the client and not yet flushed.
    private var clientNeedsFlush = false
    /// Request bytes written upstream and not yet flushed.
    private var upstreamNeedsFlush = false

    init(timeouts: Timeouts, now: NIODeadline) {
        self.timeouts = timeouts
        state = .awaitingHead(deadline: now + timeouts.header, idle: false)
    }

    // MARK: reading the client

    /// Raw bytes arrived: the first byte of a head starts its header timeout.
    mutating func bytesArrived(now: @autoclosure () -> NIODeadline) {
        if case .awaitingHead(_, idle: true) = state {
            state = .awaitingHead(deadline: now() + timeouts.header, idle: false)
        }
    }

    enum Part { case head, body, end }

    enum PartAction: Equatable {
        /// Keep it in the queue; it is handled when the connection is idle again.
        case queue
        /// Run the pipeline, then report `answeredLocally` or `forwardingStarted`.
        case decide
        case forwardBody
        /// Send the request's end upstream, then `resumeReads`.
        case forwardEnd
        case discard
        /// The local answer's request is read whole: the exchange is over.
        case exchangeFinished(Next)
    }

    /// What follows a finished exchange.
    enum Next: Equatable {
        /// Close once the response is on the wire.
        case close
        /// The connection stays open: handle queued parts.
        case handleQueued
    }

    /// A part of a request was decoded. `fromQueue`: it waited in the queue and its turn came.
    mutating func partReceived(_ part: Part, now: NIODeadline, fromQueue: Bool = false) -> PartAction {
        if isQueueing && !fromQueue { return .queue }
        switch part {
        case .head:
            switch state {
            case .awaitingHead:
                // The request's own deadlines take over from the header timeout.
                state = .deciding
                return .decide
            case .deciding, .discardingBody, .forwarding:
                isQueueing = true
                return .queue
            case .closed:
                return .discard
            }
        case .body:
            bodyDeadline = now + timeouts.progress
            guard case .forwarding(var forwarding) = state else { return .discard }
            forwarding.sentBodyBytes = true
            state = .forwarding(forwarding)
            return .forwardBody
        case .end:
            bodyDeadline = .distantFuture
            switch state {
            case .forwarding(var forwarding):
                forwarding.requestEnded = true
                if forwarding.upstream == .awaitingResponse {
                    forwarding.responseDeadline = now + timeouts.response
                }
                state = .forwarding(forwarding)
                return .forwardEnd
            case .discardingBody:
                return .exchangeFinished(exchangeFinished(now: now))
            case .awaitingHead, .deciding, .closed:
                return .discard
            }
        }
    }

    /// The pipeline answered the request itself. Returns whether to close after the answer.
    /// `hasBody`: the head announced a body, which must then make progress (SPEC §10).
    mutating func answeredLocally(closeRequested: Bool, hasBody: Bool, now: NIODeadline) -> Bool {
        let close = closeRequested || isDraining
        state = close ? .closed : .discardingBody
        bodyDeadline = hasBody && !close ? now + timeouts.progress : .distantFuture
        return close
    }

    mutating func forwardingStarted(clientKeepAlive: Bool, hasBody: Bool, now: NIODeadline) {
        state = .forwarding(Forwarding(clientKeepAlive: clientKeepAlive))
        bodyDeadline = hasBody ? now + timeouts.progress : .distantFuture
    }

    /// Whether the queue's first part may be handled now (a head waits for an idle connection).
    func mayHandleQueued(isHead: Bool) -> Bool {
        switch state {
        case .closed: false
        case .awaitingHead: true
        case .deciding, .discardingBody, .forwarding: !isHead
        }
    }

    /// The queue is empty again. Returns whether to read now (a read was held for it).
    mutating func queueEmptied() -> Bool {
        isQueueing = false
        return resumeReads()
    }

    /// The channel asks to read. Returns whether to read now; else the read is held until
    /// `resumeReads`. A request body is read no faster than the upstream takes it.
    mutating func readRequested(upstreamWritable: Bool) -> Bool {
        if isQueueing {
            readPending = true
            return false
        }
        if case .forwarding(let forwarding) = state, !forwarding.requestEnded, !upstreamWritable {
            readPending = true
            return false
        }
        return true
    }

    /// Returns whether a held read should be done now.
    mutating func resumeReads() -> Bool {
        guard readPending, !isQueueing else { return false }
        readPending = false
        return true
    }

    // MARK: the upstream side

    /// The exchange has its upstream connection and the request bytes so far are on their way.
    mutating func upstreamAttached(now: NIODeadline) {
        guard case .forwarding(var forwarding) = state else { return }
        forwarding.upstream = .awaitingResponse
        // The wait for the response head starts once the whole request is out (like nginx's
        // proxy_read_timeout); a long upload is governed by the progress timeout instead.
        if forwarding.requestEnded { forwarding.responseDeadline = now + timeouts.response }
        upstreamNeedsFlush = false
        state = .forwarding(forwarding)
    }

    /// The upstream's response head is going to the client. Returns whether the response must
    /// say `Connection: close`. `untilClose`: its body ends with the connection (HTTP/1.0 client).
    mutating func responseHeadSent(untilClose: Bool) -> Bool {
        guard case .forwarding(var forwarding) = state else { return true }
        forwarding.upstream = .relayingResponse
        forwarding.responseDeadline = .distantFuture
        state = .forwarding(forwarding)
        return !forwarding.clientKeepAlive || isDraining || untilClose
    }

    struct Completion: Equatable {
        /// The upstream connection goes back to the pool (else it is closed).
        var releaseUpstream: Bool
        var next: Next
    }

    /// The upstream's response ended.
    mutating func responseEnded(upstreamKeepAlive: Bool, untilClose: Bool, now: NIODeadline) -> Completion {
        guard case .forwarding(let forwarding) = state else {
            return Completion(releaseUpstream: false, next: .close)
        }
        let release = upstreamKeepAlive && forwarding.requestEnded
        if !forwarding.clientKeepAlive || !forwarding.requestEnded || untilClose {
            state = .closed
            return Completion(releaseUpstream: release, next: .close)
        }
        return Completion(releaseUpstream: release, next: exchangeFinished(now: now))
    }

    enum UpstreamFailureAction: Equatable {
        /// Part of the response is out: end the connection so the client cannot take it for whole.
        case cutResponse
        /// Nothing reached the client. `countAgainstEndpoint`: the failure is the endpoint's (SPEC
        /// §15); `mayRetry`: the request may go once more to a fresh connection, budget allowing
        /// (then `retrying`, else `answeredBeforeResponse`).
        case retryOrAnswer(countAgainstEndpoint: Bool, mayRetry: Bool)
        case none
    }

    /// The upstream connection failed or closed before the response ended. `reused`: it came from
    /// the pool, where the upstream may have closed it meanwhile (the keep-alive race, not a fault
    /// of the endpoint).
    mutating func upstreamFailed(reused: Bool) -> UpstreamFailureAction {
        guard case .forwarding(let forwarding) = state else { return .none }
        switch forwarding.upstream {
        case .relayingResponse:
            state = .closed
            return .cutResponse
        case .awaitingResponse, .connecting:
            if reused {
                return .retryOrAnswer(
                    countAgainstEndpoint: false, mayRetry: !forwarding.sentBodyBytes && !forwarding.retried)
            }
            return .retryOrAnswer(countAgainstEndpoint: true, mayRetry: false)
        }
    }

    /// A connect failed: nothing reached the upstream, so one more try is safe.
    func connectFailed() -> UpstreamFailureAction {
        guard case .forwarding(let forwarding) = state, forwarding.upstream == .connecting else { return .none }
        return .retryOrAnswer(countAgainstEndpoint: true, mayRetry: !forwarding.retried)
    }

    /// The request goes once more to a fresh connection.
    mutating func retrying() {
        guard case .forwarding(var forwarding) = state else { return }
        forwarding.retried = true
        forwarding.upstream = .connecting
        forwarding.responseDeadline = .distantFuture
        state = .forwarding(forwarding)
    }

    /// The gateway answered 502/504 in place of the upstream's response.
    mutating func answeredBeforeResponse(now: NIODeadline) -> Next {
        guard case .forwarding(let forwarding) = state else { return .close }
        if !forwarding.requestEnded || !forwarding.clientKeepAlive || isDraining {
            state = .closed
            return .close
        }
        return exchangeFinished(now: now)
    }

    // MARK: flushing

    mutating func wroteToClient() { clientNeedsFlush = true }

    /// Returns whether response bytes wait for a flush, and forgets them (the caller flushes).
    mutating func takeClientFlush() -> Bool {
        defer { clientNeedsFlush = false }
        return clientNeedsFlush
    }

    mutating func wroteUpstream() { upstreamNeedsFlush = true }

    mutating func takeUpstreamFlush() -> Bool {
        defer { upstreamNeedsFlush = false }
        return upstreamNeedsFlush
    }

    // MARK: time, writability, shutdown, closing

    enum DeadlineAction: Equatable {
        case none
        /// A client-side deadline passed (head, idle, request body).
        case close
        /// The client took no response byte for the progress timeout.
        case clientStalled
        /// No upstream response head in time: answer 504 (then `answeredBeforeResponse`).
        case responseTimeout
    }

    /// The loop's sweeper asks; the one place deadlines are judged.
    func deadlinePassed(now: NIODeadline) -> DeadlineAction {
        if writeStallDeadline < now { return .clientStalled }
        if bodyDeadline < now { return .close }
        switch state {
        case .awaitingHead(let deadline, _):
            return deadline < now ? .close : .none
        case .forwarding(let forwarding):
            return forwarding.upstream == .awaitingResponse && forwarding.responseDeadline < now
                ? .responseTimeout : .none
        case .deciding, .discardingBody, .closed:
            return .none
        }
    }

    /// Returns whether to resume reading the upstream (the client takes bytes again).
    mutating func writabilityChanged(isWritable: Bool, now: NIODeadline) -> Bool {
        guard isWritable else {
            writeStallDeadline = now + timeouts.progress
            return false
        }
        writeStallDeadline = .distantFuture
        if case .forwarding = state { return true }
        return false
    }

    /// Shutdown began. Returns whether to close now (idle and nothing queued); busy connections
    /// close after their response, which says `Connection: close`.
    mutating func drainBegan() -> Bool {
        isDraining = true
        if case .awaitingHead = state, !isQueueing {
            state = .closed
            return true
        }
        return false
    }

    enum ClosedAction: Equatable {
        case none
        /// Drop the exchange's upstream side and log it: `responseStarted` tells 499 from the
        /// upstream's status.
        case abandonExchange(responseStarted: Bool)
    }

    /// The client connection closed (by the peer or by us).
    mutating func channelClosed() -> ClosedAction {
        defer {
            state = .closed
            isQueueing = false
            readPending = false
        }
        guard case .forwarding(let forwarding) = state else { return .none }
        return .abandonExchange(responseStarted: forwarding.upstream == .relayingResponse)
    }

    enum MalformedAction: Equatable {
        case none
        /// A response is under way: the connection can only be cut.
        case close
        /// Answer 400/431 and close; `abandonExchange`: a forwarded request's upstream side is
        /// dropped and logged with that status first.
        case refuse(abandonExchange: Bool)
    }

    /// The HTTP decoder refused the client's bytes.
    mutating func malformedRequest() -> MalformedAction {
        switch state {
        case .closed:
            return .none
        case .forwarding(let forwarding) where forwarding.upstream == .relayingResponse:
            // The exchange ends with the channel (`channelClosed`), logged with the upstream's status.
            return .close
        case .forwarding:
            state = .closed
            return .refuse(abandonExchange: true)
        case .awaitingHead, .deciding, .discardingBody:
            state = .closed
            return .refuse(abandonExchange: false)
        }
    }

    // MARK: helpers

    /// The current request and its response are complete.
    private mutating func exchangeFinished(now: NIODeadline) -> Next {
        if isDraining {
            state = .closed
            return .close
        }
        state = .awaitingHead(deadline: now + timeouts.idle, idle: true)
        return .handleQueued
    }

    var forwarding: Forwarding? {
        if case .forwarding(let forwarding) = state { return forwarding }
        return nil
    }
}
