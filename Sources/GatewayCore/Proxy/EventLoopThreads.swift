import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How many event loops to run: one per CPU this process may actually use.
///
/// `System.coreCount` honours cgroup quotas and cpusets but not the scheduler affinity that
/// `taskset` (or a pinned container) sets; two loops time-sharing one pinned core cost context
/// switches and halve the events each `epoll_wait` batches.
public enum EventLoopThreads {
    public static var count: Int {
        max(1, min(System.coreCount, affinityCount ?? System.coreCount))
    }

    /// CPUs in this process's affinity mask, from `/proc/self/status` (`sched_getaffinity` needs
    /// `_GNU_SOURCE`, which Swift's Glibc module does not set).
    static var affinityCount: Int? {
        #if os(Linux)
        guard let fd = Optional(open("/proc/self/status", O_RDONLY)), fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += chunk[..<n]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return nil }
        let count = line.dropFirst("Cpus_allowed:".count).reduce(0) { total, character in
            total + (character.hexDigitValue?.nonzeroBitCount ?? 0)
        }
        return count > 0 ? count : nil
        #else
        return nil
        #endif
    }
}
