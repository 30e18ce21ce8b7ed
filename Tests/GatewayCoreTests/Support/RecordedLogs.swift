import Logging
import NIOConcurrencyHelpers

/// The gateway's own log lines (not the access log), kept for tests to read.
final class RecordedLogs: Sendable {
    struct Entry: Sendable, CustomStringConvertible {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
        var description: String { "\(level) \(message) \(metadata.sorted { $0.key < $1.key })" }
    }

    private let entries = NIOLockedValueBox<[Entry]>([])

    var all: [Entry] { entries.withLockedValue { $0 } }

    func matching(_ text: String) -> [Entry] { all.filter { $0.description.contains(text) } }

    var logger: Logger {
        var logger = Logger(label: "test-gateway") { _ in Handler(logs: self) }
        logger.logLevel = .debug
        return logger
    }

    fileprivate func append(_ entry: Entry) { entries.withLockedValue { $0.append(entry) } }

    private struct Handler: LogHandler {
        let logs: RecordedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged: [String: String] = [:]
            for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
                merged[key] = "\(value)"
            }
            logs.append(Entry(level: event.level, message: "\(event.message)", metadata: merged))
        }
    }
}
