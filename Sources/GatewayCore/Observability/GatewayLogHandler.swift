public import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// swift-log handler writing one JSON or text line per event to stderr.
///
/// Messages and metadata are escaped like access-log fields, so no value can forge a line. The
/// gateway never puts a token, cookie or Authorization value into a log event.
public struct GatewayLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: GatewayConfiguration.LogFormat
    private let sink: any LogSink

    public init(
        label: String, level: Logger.Level, format: GatewayConfiguration.LogFormat,
        sink: any LogSink = FileDescriptorSink(fd: 2)
    ) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        let ts = Timestamp.iso8601(WallClock.now())
        var line: String
        switch format {
        case .json:
            line = "{\"ts\":\"" + ts + "\",\"level\":\"" + event.level.rawValue + "\",\"logger\":"
            JSONEscaping.appendQuoted(label, to: &line)
            line += ",\"msg\":"
            JSONEscaping.appendQuoted(event.message.description, to: &line)
            for (key, value) in all.sorted(by: { $0.key < $1.key }) {
                line += ","
                JSONEscaping.appendQuoted(key, to: &line)
                line += ":"
                JSONEscaping.appendQuoted(value.description, to: &line)
            }
            line += "}\n"
        case .text:
            line = ts + " " + event.level.rawValue.uppercased() + " " + AccessLogLine.quoted(event.message.description)
            for (key, value) in all.sorted(by: { $0.key < $1.key }) {
                line += " " + key + "=" + AccessLogLine.quoted(value.description)
            }
            line += "\n"
        }
        sink.write(Array(line.utf8))
    }
}
