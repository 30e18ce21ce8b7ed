import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process started with `posix_spawn`, for the tests.
///
/// Not Foundation's `Process`: on Linux its `run()` (Swift 6.3.1) copies a whole 256-byte
/// `d_name` out of each `/proc/self/fd` entry and faults when an entry ends a page
/// (swift-corelibs-foundation#5472); it crashed the suite about once in ten runs beside CPU hogs.
/// Here the child closes every inherited descriptor above stderr itself (`closefrom`), and one
/// thread per child waits for its exit.
public final class ChildProcess: Sendable {
    /// Where a standard stream goes.
    public enum Stream: Sendable {
        /// /dev/null.
        case null
        /// A pipe whose read end the caller gets (`stdout`/`stderr`) and must read to its end.
        case pipe
        /// stderr only: wherever stdout goes.
        case stdout
    }

    /// How the child ended, as Foundation's `Process` reports it.
    public struct Termination: Sendable, Equatable {
        /// The exit code, or the signal's number when `signalled`.
        public var status: Int32
        public var signalled: Bool
    }

    public let pid: Int32
    /// Read ends of the child's pipes (`Stream.pipe`); `PipeReader` reads them and closes them.
    public let stdout: Int32?
    public let stderr: Int32?
    private let state = NIOLockedValueBox<(ended: Termination?, waiters: [@Sendable (Termination) -> Void])>((nil, []))

    private init(pid: Int32, stdout: Int32?, stderr: Int32?) {
        self.pid = pid
        self.stdout = stdout
        self.stderr = stderr
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts `executable` with exactly `environment`; stdin is /dev/null.
    public static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String],
        stdout: Stream = .pipe, stderr: Stream = .pipe
    ) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var childEnds: [Int32] = []
        defer { for fd in childEnds { close(fd) } }
        var readEnds: [Int32] = []

        func route(_ stream: Stream, to target: Int32) throws -> Int32? {
            switch stream {
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
                return nil
            case .stdout:
                posix_spawn_file_actions_adddup2(&actions, 1, target)
                return nil
            case .pipe:
                var ends: [Int32] = [0, 0]
                guard pipe(&ends) == 0 else { throw SpawnError(description: "pipe: errno \(errno)") }
                // Close-on-exec at once: another child spawned meanwhile must not inherit these.
                for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                childEnds.append(ends[1])
                readEnds.append(ends[0])
                // dup2 clears close-on-exec on the copy: only the child's stream survives exec.
                posix_spawn_file_actions_adddup2(&actions, ends[1], target)
                return ends[0]
            }
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let outFD: Int32?
        let errFD: Int32?
        do {
            outFD = try route(stdout, to: 1)
            errFD = try route(stderr, to: 2)
        } catch {
            for fd in readEnds { close(fd) }
            throw error
        }
        closeInheritedDescriptors(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The test process ignores SIGPIPE (NIO does) and an ignored signal stays ignored across
        // exec: give the child the defaults and an empty mask.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            for fd in readEnds { close(fd) }
            throw SpawnError(description: "posix_spawn \(executable): errno \(result)")
        }
        let child = ChildProcess(pid: pid, stdout: outFD, stderr: errFD)
        Thread.detachNewThread { child.reap() }
        return child
    }

    /// Adds `closefrom(3)` to the child's actions (glibc 2.34+; looked up at run time because
    /// the Glibc module does not declare it). Without it only close-on-exec descriptors close.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }

    private func reap() {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFSIGNALED/WTERMSIG are macros: the low seven bits hold the signal, or 0 for an exit.
        let signal = status & 0x7F
        let ended =
            signal == 0
            ? Termination(status: (status >> 8) & 0xFF, signalled: false) : Termination(status: signal, signalled: true)
        let waiters = state.withLockedValue { state in
            state.ended = ended
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter(ended) }
    }

    /// How the child ended; nil while it runs.
    public var termination: Termination? { state.withLockedValue { $0.ended } }
    public var isRunning: Bool { termination == nil }

    /// Calls `body` once the child has ended (at once when it already has), on the reaping thread.
    public func onExit(_ body: @escaping @Sendable (Termination) -> Void) {
        let ended: Termination? = state.withLockedValue { state in
            if state.ended == nil { state.waiters.append(body) }
            return state.ended
        }
        if let ended { body(ended) }
    }

    /// Waits for the exit without holding a thread of the task pool.
    public func exited() async -> Termination {
        await withCheckedContinuation { continuation in onExit { continuation.resume(returning: $0) } }
    }

    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }
}

/// Reads a child's pipe with read(2) until end of file, then closes it. Foundation's
/// `FileHandle` readers trap when a read is interrupted (EINTR), which a busy machine does
/// deliver; this retries instead.
public enum PipeReader {
    /// Calls `body` with each piece as it arrives, until end of file; closes `fd` after.
    public static func forEachPiece(of fd: Int32, _ body: ([UInt8]) -> Void) {
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            body(Array(buffer[..<n]))
        }
    }

    /// Every byte until end of file, read on a thread of its own. A blocking read must never hold
    /// one of Swift concurrency's pool threads: there are as many as cores (two here).
    public static func readAllOffPool(_ fd: Int32) async -> [UInt8] {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var all: [UInt8] = []
                forEachPiece(of: fd) { all += $0 }
                continuation.resume(returning: all)
            }
        }
    }

    /// Reads on a thread of its own, handing each piece to `body`, then calls `ended`.
    public static func forEachPieceOffPool(
        of fd: Int32, _ body: @escaping @Sendable ([UInt8]) -> Void, ended: @escaping @Sendable () -> Void
    ) {
        Thread.detachNewThread {
            forEachPiece(of: fd, body)
            ended()
        }
    }
}
