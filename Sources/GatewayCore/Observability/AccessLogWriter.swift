#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// write(2), named apart from `LogSink.write`.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.write(fd, bytes, count)
    #else
        Darwin.write(fd, bytes, count)
    #endif
}

/// Where finished access-log bytes go; stdout in production, a buffer in tests.
public protocol LogSink: Sendable {
    func write(_ bytes: [UInt8])
}

/// Writes whole lines to a file descriptor; a line never interleaves with another loop's.
public struct FileDescriptorSink: LogSink {
    public let fd: Int32
    public init(fd: Int32) { self.fd = fd }

    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }
}

/// One event loop's access log: lines are formatted on the loop and written in batches.
final class AccessLogWriter {
    private var line = AccessLogLine()
    private let format: GatewayConfiguration.LogFormat
    private let sink: any LogSink
    private var buffer: [UInt8] = []

    init(format: GatewayConfiguration.LogFormat, sink: any LogSink) {
        self.format = format
        self.sink = sink
        buffer.reserveCapacity(16 * 1024)
    }

    func append(_ request: borrowing CompletedRequest) {
        if format == .json {
            line.appendJSON(request, to: &buffer)
        } else {
            line.appendText(request, to: &buffer)
        }
        if buffer.count >= 16 * 1024 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        sink.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
