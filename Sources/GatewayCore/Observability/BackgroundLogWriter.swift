import Foundation
import NIOConcurrencyHelpers

/// Hands access-log batches to a thread of its own, so a slow disk or a pipe nobody reads never
/// blocks an event loop (SPEC §13): the loops only append to a bounded queue; when it is full the
/// batch is dropped and its lines counted.
final class BackgroundLogWriter: LogSink, @unchecked Sendable {
    // @unchecked: `batches`, `queuedBytes` and `stopping` are read and written only while holding
    // `condition`; its value is 1 while there is something for the thread to do.
    private let condition = ConditionLock(value: 0)
    private var batches: [[UInt8]] = []
    private var queuedBytes = 0
    private var stopping = false
    /// 1 once the thread has written everything and returned.
    private let finished = ConditionLock(value: 0)

    private let sink: any LogSink
    private let capacityBytes: Int
    private let onDrop: @Sendable (_ lines: Int) -> Void

    /// - Parameters:
    ///   - capacityBytes: the most bytes waiting for the thread; more are dropped.
    ///   - onDrop: told how many lines a dropped batch held; called on the writing loop.
    init(sink: any LogSink, capacityBytes: Int, onDrop: @escaping @Sendable (_ lines: Int) -> Void) {
        self.sink = sink
        self.capacityBytes = capacityBytes
        self.onDrop = onDrop
        let thread = Thread { [self] in drain() }
        thread.name = "aegis-access-log"
        thread.start()
    }

    func write(_ bytes: [UInt8]) {
        condition.lock()
        guard !stopping, queuedBytes + bytes.count <= capacityBytes else {
            condition.unlock()
            onDrop(bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) })
            return
        }
        batches.append(bytes)
        queuedBytes += bytes.count
        condition.unlock(withValue: 1)
    }

    /// Lets the thread write what is queued, waiting at most `timeoutSeconds` (stdout may never
    /// drain), then stops taking lines.
    func stop(timeoutSeconds: Double) {
        condition.lock()
        stopping = true
        condition.unlock(withValue: 1)
        if finished.lock(whenValue: 1, timeoutSeconds: timeoutSeconds) { finished.unlock() }
    }

    private func drain() {
        while true {
            condition.lock(whenValue: 1)
            let taken = batches
            let stop = stopping
            batches = []
            queuedBytes = 0
            condition.unlock(withValue: stop ? 1 : 0)
            for batch in taken { sink.write(batch) }
            if stop { break }
        }
        finished.lock()
        finished.unlock(withValue: 1)
    }
}
