import Foundation

/// Reads a child process's pipe with read(2). Foundation's `FileHandle` readers trap when a
/// read is interrupted (EINTR), which a busy machine does deliver; this retries instead.
enum PipeReader {
    /// Calls `body` with each piece as it arrives, until end of file.
    static func forEachPiece(of fd: Int32, _ body: ([UInt8]) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            body(Array(buffer[..<n]))
        }
    }

    /// Every byte until end of file.
    static func readAll(_ fd: Int32) -> [UInt8] {
        var all: [UInt8] = []
        forEachPiece(of: fd) { all += $0 }
        return all
    }
}
