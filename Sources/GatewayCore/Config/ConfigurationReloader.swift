import Crypto
import Dispatch
import Foundation
public import Logging
import NIOConcurrencyHelpers
public import NIOCore

/// Reloads CONFIG_FILE on request (SIGHUP) and when its content changes (SPEC §14).
///
/// Reloads run one at a time on a queue of their own, never on an event loop. Requests that
/// arrive while one runs are folded into one more run, so a storm of SIGHUPs costs a few reads
/// and the gateway always has exactly one table. A refused file changes nothing: its problems are
/// logged and counted. The watch compares content (a hash of the bytes), not times, so a file
/// replaced by a rename, as Kubernetes does with ConfigMaps, is seen like one rewritten in place.
public final class ConfigurationReloader: Sendable {
    public static let reloads = "aegis_config_reloads_total"
    public static let info = "aegis_config_info"

    private struct State {
        var scheduled = false
        var pending = false
        /// Hash of the bytes last read (loaded or refused): a watch tick reloads only on a change.
        var lastSeen: [UInt8] = []
        var watch: RepeatedTask?
    }

    private let path: String
    private let server: GatewayServer
    private let metrics: MetricsSink
    private let logger: Logger
    private let queue = DispatchQueue(label: "aegis-config-reload")
    private let state = NIOLockedValueBox(State())

    /// - Parameter loaded: the file as loaded at start-up (its hash is the one in effect).
    public init(path: String, loaded: ConfigurationFile, server: GatewayServer, metrics: MetricsSink, logger: Logger) {
        self.path = path
        self.server = server
        self.metrics = metrics
        self.logger = logger
        metrics.setInfo(Self.info, [("sha256", loaded.sha256Prefix)])
        metrics.increment(Self.reloads, [("result", "ok")], by: 0)
        metrics.increment(Self.reloads, [("result", "error")], by: 0)
        let bytes = Self.fileHash(path)
        state.withLockedValue { $0.lastSeen = bytes ?? [] }
    }

    /// Checks the file every `interval` (CONFIG_WATCH_SECONDS), on `eventLoop`'s timer; the read
    /// itself happens on the reload queue.
    public func watch(every interval: TimeAmount, on eventLoop: any EventLoop) {
        let task = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
            guard let self else { return }
            self.queue.async {
                guard let hash = Self.fileHash(self.path) else { return }
                if hash != self.state.withLockedValue({ $0.lastSeen }) { self.requestReload(reason: "file changed") }
            }
        }
        state.withLockedValue { $0.watch = task }
    }

    public func stop() {
        state.withLockedValue { state in
            state.watch?.cancel()
            state.watch = nil
        }
    }

    /// Asks for a reload; returns at once. Requests made while one runs become one more run.
    public func requestReload(reason: String) {
        let start = state.withLockedValue { state -> Bool in
            state.pending = true
            if state.scheduled { return false }
            state.scheduled = true
            return true
        }
        guard start else { return }
        queue.async { self.drain(reason: reason) }
    }

    /// Reloads now (after any reload already running) and answers whether the file was applied.
    public func reloadNow(reason: String) async -> Bool {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.reloadOnce(reason: reason)) }
        }
    }

    /// Runs reloads until no request is pending. Blocking waits are fine: this is the reload
    /// queue's own thread, never an event loop.
    private func drain(reason: String) {
        while state.withLockedValue({ state -> Bool in
            if !state.pending {
                state.scheduled = false
                return false
            }
            state.pending = false
            return true
        }) {
            _ = reloadOnce(reason: reason)
        }
    }

    private func reloadOnce(reason: String) -> Bool {
        if let hash = Self.fileHash(path) { state.withLockedValue { $0.lastSeen = hash } }
        let file: ConfigurationFile
        do {
            file = try ConfigurationFile.load(path: path)
        } catch {
            metrics.increment(Self.reloads, [("result", "error")], by: 1)
            logger.error(
                "configuration reload refused; the running configuration stays",
                metadata: [
                    "file": "\(path)", "reason": "\(reason)", "problems": "\(error.problems.map(\.description))",
                ])
            return false
        }
        let server = self.server
        waitOffLoop { await server.reconfigure(file) }
        metrics.setInfo(Self.info, [("sha256", file.sha256Prefix)])
        metrics.increment(Self.reloads, [("result", "ok")], by: 1)
        logger.info(
            "configuration reloaded",
            metadata: [
                "file": "\(path)", "reason": "\(reason)", "sha256": "\(file.sha256Prefix)",
                "routes": "\(file.routes.count)", "services": "\(file.services.count)",
            ])
        return true
    }

    private static func fileHash(_ path: String) -> [UInt8]? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else { return nil }
        return Array(SHA256.hash(data: data))
    }
}
