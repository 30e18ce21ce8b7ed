import NIOCore
import Testing

@testable import GatewayCore

/// The client connection's state machine, transition by transition, on values: no socket, no clock.
@Suite struct ClientConnectionStateMachineTests {
    typealias Machine = ClientConnectionStateMachine

    static let timeouts = Machine.Timeouts(
        header: .seconds(10), idle: .seconds(60), progress: .seconds(30), response: .seconds(5))

    /// A point in time `seconds` after the connection was accepted.
    static func at(_ seconds: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(1_000 + seconds) * 1_000_000_000) }
    static let start = at(0)

    static func fresh() -> Machine { Machine(timeouts: timeouts, now: start) }

    /// A machine forwarding a request (head read, pipeline chose to forward).
    static func forwarding(keepAlive: Bool = true, hasBody: Bool = false, attached: Bool = true) -> Machine {
        var machine = fresh()
        #expect(machine.partReceived(.head, now: at(1)) == .decide)
        machine.forwardingStarted(clientKeepAlive: keepAlive, hasBody: hasBody, now: at(1))
        if attached { machine.upstreamAttached(now: at(1)) }
        return machine
    }

    /// A machine whose forwarded request ended and whose response head went to the client.
    static func relaying(keepAlive: Bool = true) -> Machine {
        var machine = forwarding(keepAlive: keepAlive)
        #expect(machine.partReceived(.end, now: at(1)) == .forwardEnd)
        #expect(machine.responseHeadSent(untilClose: false) == !keepAlive)
        return machine
    }

    // MARK: heads and the header/idle timeouts

    @Test func aNewConnectionHasTheHeaderTimeout() {
        let machine = Self.fresh()
        #expect(machine.state == .awaitingHead(deadline: Self.at(10), idle: false))
        #expect(machine.deadlinePassed(now: Self.at(10)) == .none)
        #expect(machine.deadlinePassed(now: Self.at(11)) == .close)
    }

    @Test func aKeptAliveConnectionIdlesUntilTheNextHeadsFirstByte() {
        var machine = Self.forwarding()
        _ = machine.partReceived(.end, now: Self.at(1))
        _ = machine.responseHeadSent(untilClose: false)
        let completion = machine.responseEnded(upstreamKeepAlive: true, untilClose: false, now: Self.at(2))
        #expect(completion == .init(releaseUpstream: true, next: .handleQueued))
        #expect(machine.state == .awaitingHead(deadline: Self.at(62), idle: true))
        #expect(machine.deadlinePassed(now: Self.at(50)) == .none)
        // The first byte of the next head: the header timeout from then.
        machine.bytesArrived(now: Self.at(50))
        #expect(machine.state == .awaitingHead(deadline: Self.at(60), idle: false))
        #expect(machine.deadlinePassed(now: Self.at(61)) == .close)
        // More bytes of the same head do not push it back.
        machine.bytesArrived(now: Self.at(55))
        #expect(machine.state == .awaitingHead(deadline: Self.at(60), idle: false))
    }

    @Test func aWholeHeadEndsTheHeaderTimeout() {
        var machine = Self.fresh()
        #expect(machine.partReceived(.head, now: Self.at(1)) == .decide)
        #expect(machine.state == .deciding)
        #expect(machine.deadlinePassed(now: Self.at(1_000)) == .none)
    }

    // MARK: local answers

    @Test func aLocalAnswerDiscardsTheBodyThenTheConnectionIdles() {
        var machine = Self.fresh()
        _ = machine.partReceived(.head, now: Self.at(1))
        #expect(machine.answeredLocally(closeRequested: false, hasBody: true, now: Self.at(1)) == false)
        #expect(machine.state == .discardingBody)
        #expect(machine.partReceived(.body, now: Self.at(2)) == .discard)
        #expect(machine.partReceived(.end, now: Self.at(3)) == .exchangeFinished(.handleQueued))
        #expect(machine.state == .awaitingHead(deadline: Self.at(63), idle: true))
    }

    @Test func anUnreadBodyMustStillMakeProgress() {
        var machine = Self.fresh()
        _ = machine.partReceived(.head, now: Self.at(1))
        _ = machine.answeredLocally(closeRequested: false, hasBody: true, now: Self.at(1))
        #expect(machine.deadlinePassed(now: Self.at(31)) == .none)
        #expect(machine.deadlinePassed(now: Self.at(32)) == .close)
        _ = machine.partReceived(.body, now: Self.at(20))
        #expect(machine.deadlinePassed(now: Self.at(50)) == .none)
        #expect(machine.deadlinePassed(now: Self.at(51)) == .close)
    }

    /// 100-continue or a large body answered locally: the handler asks to close rather than read
    /// a body nobody wants; the machine closes whatever it was.
    @Test func aLocalAnswerThatAsksToCloseCloses() {
        var machine = Self.fresh()
        _ = machine.partReceived(.head, now: Self.at(1))
        #expect(machine.answeredLocally(closeRequested: true, hasBody: true, now: Self.at(1)) == true)
        #expect(machine.state == .closed)
        #expect(machine.partReceived(.body, now: Self.at(2)) == .discard)
        #expect(machine.partReceived(.end, now: Self.at(2)) == .discard)
        #expect(machine.deadlinePassed(now: Self.at(1_000)) == .none)
    }

    // MARK: pipelining

    @Test func pipelinedPartsQueueUntilTheCurrentExchangeEnds() {
        var machine = Self.forwarding()
        #expect(machine.partReceived(.end, now: Self.at(1)) == .forwardEnd)
        // The next request arrives whole while the first is in flight.
        #expect(machine.partReceived(.head, now: Self.at(1)) == .queue)
        #expect(machine.isQueueing)
        #expect(machine.partReceived(.body, now: Self.at(1)) == .queue)
        #expect(machine.partReceived(.end, now: Self.at(1)) == .queue)
        // Reads are held while parts wait.
        #expect(machine.readRequested(upstreamWritable: true) == false)
        #expect(machine.mayHandleQueued(isHead: true) == false)
        _ = machine.responseHeadSent(untilClose: false)
        #expect(
            machine.responseEnded(upstreamKeepAlive: true, untilClose: false, now: Self.at(2))
                == .init(releaseUpstream: true, next: .handleQueued))
        // Idle: the queued head's turn.
        #expect(machine.mayHandleQueued(isHead: true))
        #expect(machine.partReceived(.head, now: Self.at(2), fromQueue: true) == .decide)
        _ = machine.answeredLocally(closeRequested: false, hasBody: true, now: Self.at(2))
        #expect(machine.mayHandleQueued(isHead: false))
        #expect(machine.partReceived(.body, now: Self.at(2), fromQueue: true) == .discard)
        #expect(machine.partReceived(.end, now: Self.at(2), fromQueue: true) == .exchangeFinished(.handleQueued))
        // The queue is empty: the held read happens now.
        #expect(machine.queueEmptied() == true)
        #expect(!machine.isQueueing)
        #expect(machine.readRequested(upstreamWritable: false) == true)
    }

    @Test func aQueuedHeadWaitsForALocalAnswersBodyToEnd() {
        var machine = Self.fresh()
        _ = machine.partReceived(.head, now: Self.at(1))
        _ = machine.answeredLocally(closeRequested: false, hasBody: true, now: Self.at(1))
        #expect(machine.partReceived(.head, now: Self.at(1)) == .queue)
        #expect(machine.mayHandleQueued(isHead: true) == false)
    }

    @Test func nothingQueuedIsHandledOnceClosed() {
        var machine = Self.forwarding(keepAlive: false)
        _ = machine.partReceived(.end, now: Self.at(1))
        #expect(machine.partReceived(.head, now: Self.at(1)) == .queue)
        _ = machine.responseHeadSent(untilClose: false)
        #expect(machine.responseEnded(upstreamKeepAlive: true, untilClose: false, now: Self.at(2)).next == .close)
        #expect(machine.mayHandleQueued(isHead: true) == false)
        #expect(machine.mayHandleQueued(isHead: false) == false)
    }

    // MARK: forwarding and backpressure

    @Test func theBodyIsReadNoFasterThanTheUpstreamTakesIt() {
        var machine = Self.forwarding(hasBody: true, attached: false)
        // No connection yet: hold.
        #expect(machine.readRequested(upstreamWritable: false) == false)
        machine.upstreamAttached(now: Self.at(1))
        #expect(machine.resumeReads() == true)
        #expect(machine.resumeReads() == false)
        #expect(machine.readRequested(upstreamWritable: true) == true)
        #expect(machine.readRequested(upstreamWritable: false) == false)
        #expect(machine.partReceived(.body, now: Self.at(2)) == .forwardBody)
        #expect(machine.partReceived(.end, now: Self.at(2)) == .forwardEnd)
        // The request is whole: reading on (the next head may come) whatever the upstream.
        #expect(machine.readRequested(upstreamWritable: false) == true)
    }

    @Test func theResponseTimeoutRunsFromTheRequestsEndOnceAttached() {
        // Ended before the connection came: armed at attach.
        var early = Self.forwarding(attached: false)
        #expect(early.partReceived(.end, now: Self.at(1)) == .forwardEnd)
        #expect(early.deadlinePassed(now: Self.at(100)) == .none)
        early.upstreamAttached(now: Self.at(3))
        #expect(early.deadlinePassed(now: Self.at(8)) == .none)
        #expect(early.deadlinePassed(now: Self.at(9)) == .responseTimeout)

        // A long upload: not armed until the end.
        var upload = Self.forwarding(hasBody: true)
        _ = upload.partReceived(.body, now: Self.at(20))
        #expect(upload.deadlinePassed(now: Self.at(40)) == .none)
        _ = upload.partReceived(.end, now: Self.at(40))
        #expect(upload.deadlinePassed(now: Self.at(46)) == .responseTimeout)

        // The response head disarms it.
        var answered = Self.relaying()
        #expect(answered.deadlinePassed(now: Self.at(100)) == .none)
        _ = answered.responseEnded(upstreamKeepAlive: true, untilClose: false, now: Self.at(2))
    }

    @Test func aSilentUploadIsCutByTheProgressTimeout() {
        let machine = Self.forwarding(hasBody: true)
        #expect(machine.deadlinePassed(now: Self.at(31)) == .none)
        #expect(machine.deadlinePassed(now: Self.at(32)) == .close)
    }

    @Test func aClientThatReadsNothingIsCut() {
        var machine = Self.relaying()
        #expect(machine.writabilityChanged(isWritable: false, now: Self.at(2)) == false)
        #expect(machine.deadlinePassed(now: Self.at(32)) == .none)
        #expect(machine.deadlinePassed(now: Self.at(33)) == .clientStalled)
        // Writable again in time: upstream reads resume and the deadline is gone.
        #expect(machine.writabilityChanged(isWritable: true, now: Self.at(20)) == true)
        #expect(machine.deadlinePassed(now: Self.at(33)) == .none)
    }

    @Test func responseEndsDecideOnKeepAliveAndPooling() {
        var closeDelimited = Self.relaying()
        #expect(
            closeDelimited.responseEnded(upstreamKeepAlive: true, untilClose: true, now: Self.at(2))
                == .init(releaseUpstream: true, next: .close))
        #expect(closeDelimited.state == .closed)

        var upstreamCloses = Self.relaying()
        #expect(
            upstreamCloses.responseEnded(upstreamKeepAlive: false, untilClose: false, now: Self.at(2))
                == .init(releaseUpstream: false, next: .handleQueued))

        // The response ended before the request did (an early answer to an upload): neither
        // connection can be reused, the rest of the body is in flight on both.
        var early = Self.forwarding(hasBody: true)
        _ = early.responseHeadSent(untilClose: false)
        #expect(
            early.responseEnded(upstreamKeepAlive: true, untilClose: false, now: Self.at(2))
                == .init(releaseUpstream: false, next: .close))

        var clientClose = Self.relaying(keepAlive: false)
        #expect(clientClose.responseEnded(upstreamKeepAlive: true, untilClose: false, now: Self.at(2)).next == .close)
    }

    // MARK: upstream failures

    @Test func aFailedConnectIsCountedAndRetriedOnce() {
        var machine = Self.forwarding(attached: false)
        #expect(machine.connectFailed() == .retryOrAnswer(countAgainstEndpoint: true, mayRetry: true))
        machine.retrying()
        #expect(machine.connectFailed() == .retryOrAnswer(countAgainstEndpoint: true, mayRetry: false))
        _ = machine.partReceived(.end, now: Self.at(1))
        #expect(machine.answeredBeforeResponse(now: Self.at(2)) == .handleQueued)
    }

    @Test func aFreshConnectionFailingBeforeTheHeadIsTheEndpointsFault() {
        var machine = Self.forwarding()
        _ = machine.partReceived(.end, now: Self.at(1))
        #expect(machine.upstreamFailed(reused: false) == .retryOrAnswer(countAgainstEndpoint: true, mayRetry: false))
        #expect(machine.answeredBeforeResponse(now: Self.at(2)) == .handleQueued)
    }

    @Test func aReusedConnectionFailingIsRetriedOnlyWithNoBodySent() {
        var clean = Self.forwarding()
        _ = clean.partReceived(.end, now: Self.at(1))
        #expect(clean.upstreamFailed(reused: true) == .retryOrAnswer(countAgainstEndpoint: false, mayRetry: true))
        clean.retrying()
        #expect(clean.forwarding?.upstream == .connecting)
        // The retry's own connection: its failure is not retried again.
        clean.upstreamAttached(now: Self.at(2))
        #expect(clean.upstreamFailed(reused: true) == .retryOrAnswer(countAgainstEndpoint: false, mayRetry: false))

        var withBody = Self.forwarding(hasBody: true)
        _ = withBody.partReceived(.body, now: Self.at(1))
        #expect(withBody.upstreamFailed(reused: true) == .retryOrAnswer(countAgainstEndpoint: false, mayRetry: false))
    }

    @Test func aFailureAnsweredBeforeTheRequestEndedCloses() {
        var machine = Self.forwarding(hasBody: true)
        #expect(machine.upstreamFailed(reused: false) == .retryOrAnswer(countAgainstEndpoint: true, mayRetry: false))
        #expect(machine.answeredBeforeResponse(now: Self.at(2)) == .close)
        #expect(machine.state == .closed)
    }

    @Test func aFailureAfterTheHeadCutsTheResponse() {
        var machine = Self.relaying()
        #expect(machine.upstreamFailed(reused: true) == .cutResponse)
        #expect(machine.state == .closed)
        // The channel's close that follows has no exchange left to abandon.
        #expect(machine.channelClosed() == .none)
    }

    @Test func upstreamEventsAfterTheExchangeAreIgnored() {
        var machine = Self.fresh()
        #expect(machine.upstreamFailed(reused: false) == .none)
        #expect(machine.connectFailed() == .none)
        #expect(machine.responseHeadSent(untilClose: false) == true)
    }

    // MARK: shutdown

    @Test func drainClosesAnIdleConnectionAtOnce() {
        var machine = Self.fresh()
        #expect(machine.drainBegan() == true)
        #expect(machine.state == .closed)
    }

    @Test func drainWaitsForQueuedRequestsOfAnIdleConnection() {
        var machine = Self.forwarding()
        _ = machine.partReceived(.end, now: Self.at(1))
        _ = machine.partReceived(.head, now: Self.at(1))
        _ = machine.responseHeadSent(untilClose: false)
        _ = machine.responseEnded(upstreamKeepAlive: true, untilClose: false, now: Self.at(2))
        #expect(machine.drainBegan() == false)
    }

    @Test func drainLetsALocalAnswerFinishThenCloses() {
        var machine = Self.fresh()
        _ = machine.partReceived(.head, now: Self.at(1))
        _ = machine.answeredLocally(closeRequested: false, hasBody: true, now: Self.at(1))
        #expect(machine.drainBegan() == false)
        #expect(machine.partReceived(.end, now: Self.at(2)) == .exchangeFinished(.close))
        #expect(machine.state == .closed)
    }

    @Test func drainMakesTheNextLocalAnswerClose() {
        var machine = Self.fresh()
        _ = machine.partReceived(.head, now: Self.at(1))
        // The head was read before the drain began; the answer goes out after.
        #expect(machine.drainBegan() == false)
        #expect(machine.answeredLocally(closeRequested: false, hasBody: false, now: Self.at(1)) == true)
    }

    @Test func drainWhileForwardingClosesAfterTheResponse() {
        // Before the response head: the head says close.
        var early = Self.forwarding()
        _ = early.partReceived(.end, now: Self.at(1))
        #expect(early.drainBegan() == false)
        #expect(early.responseHeadSent(untilClose: false) == true)
        #expect(early.responseEnded(upstreamKeepAlive: true, untilClose: false, now: Self.at(2)).next == .close)

        // After it: the head went out without close; the connection closes at the end anyway.
        var late = Self.relaying()
        #expect(late.drainBegan() == false)
        #expect(
            late.responseEnded(upstreamKeepAlive: true, untilClose: false, now: Self.at(2))
                == .init(releaseUpstream: true, next: .close))

        // A 502 answered while draining closes too.
        var failing = Self.forwarding()
        _ = failing.partReceived(.end, now: Self.at(1))
        _ = failing.drainBegan()
        #expect(failing.answeredBeforeResponse(now: Self.at(2)) == .close)
    }

    @Test func drainOfAClosedConnectionDoesNothing() {
        var machine = Self.fresh()
        _ = machine.channelClosed()
        #expect(machine.drainBegan() == false)
    }

    // MARK: the client goes away

    @Test func theClientGoingAwayInEachState() {
        var idle = Self.fresh()
        #expect(idle.channelClosed() == .none)

        var local = Self.fresh()
        _ = local.partReceived(.head, now: Self.at(1))
        _ = local.answeredLocally(closeRequested: false, hasBody: true, now: Self.at(1))
        #expect(local.channelClosed() == .none)

        var connecting = Self.forwarding(attached: false)
        #expect(connecting.channelClosed() == .abandonExchange(responseStarted: false))

        var awaiting = Self.forwarding()
        #expect(awaiting.channelClosed() == .abandonExchange(responseStarted: false))

        var relaying = Self.relaying()
        #expect(relaying.channelClosed() == .abandonExchange(responseStarted: true))
        #expect(relaying.state == .closed)
        #expect(relaying.channelClosed() == .none)

        var queueing = Self.forwarding()
        _ = queueing.partReceived(.head, now: Self.at(1))
        _ = queueing.channelClosed()
        #expect(!queueing.isQueueing)
        #expect(queueing.readRequested(upstreamWritable: false) == true)
    }

    // MARK: malformed requests

    @Test func aMalformedRequestInEachState() {
        var idle = Self.fresh()
        #expect(idle.malformedRequest() == .refuse(abandonExchange: false))
        #expect(idle.state == .closed)
        #expect(idle.malformedRequest() == .none)

        var discarding = Self.fresh()
        _ = discarding.partReceived(.head, now: Self.at(1))
        _ = discarding.answeredLocally(closeRequested: false, hasBody: true, now: Self.at(1))
        #expect(discarding.malformedRequest() == .refuse(abandonExchange: false))

        // A bad chunk in a forwarded body before any response: 400, the upstream side dropped.
        var forwarding = Self.forwarding(hasBody: true)
        #expect(forwarding.malformedRequest() == .refuse(abandonExchange: true))
        #expect(forwarding.channelClosed() == .none)

        // With a response under way: cut, and the exchange is abandoned when the channel closes.
        var relaying = Self.forwarding(hasBody: true)
        _ = relaying.responseHeadSent(untilClose: false)
        #expect(relaying.malformedRequest() == .close)
        #expect(relaying.channelClosed() == .abandonExchange(responseStarted: true))
    }

    // MARK: flushing

    @Test func flushesAreAskedForOnce() {
        var machine = Self.relaying()
        #expect(machine.takeClientFlush() == false)
        machine.wroteToClient()
        machine.wroteToClient()
        #expect(machine.takeClientFlush() == true)
        #expect(machine.takeClientFlush() == false)
        machine.wroteUpstream()
        #expect(machine.takeUpstreamFlush() == true)
        #expect(machine.takeUpstreamFlush() == false)
        // A new connection's writes are flushed by attaching.
        var attaching = Self.forwarding(attached: false)
        attaching.wroteUpstream()
        attaching.upstreamAttached(now: Self.at(1))
        #expect(attaching.takeUpstreamFlush() == false)
    }
}
