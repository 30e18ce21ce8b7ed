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

extension PipeReader {
    /// Every byte until end of file, read on a thread of its own. A blocking read must never hold
    /// one of Swift concurrency's pool threads: there are as many as cores (two here), and a pipe's
    /// end of file can wait on another child that inherited its write end; two such reads stalled
    /// every task of the suite (seen under AddressSanitizer).
    static func readAllOffPool(_ fd: Int32) async -> [UInt8] {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: readAll(fd)) }
        }
    }

    /// Waits for `process` to exit on a thread of its own, for the same reason.
    static func waitForExit(_ process: Process) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                process.waitUntilExit()
                continuation.resume()
            }
        }
    }
}
