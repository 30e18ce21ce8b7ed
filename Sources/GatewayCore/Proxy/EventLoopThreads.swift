import Foundation
import NIOCore

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
            guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else {
                return nil
            }
            let count = line.dropFirst("Cpus_allowed:".count).reduce(0) { total, character in
                total + (character.hexDigitValue?.nonzeroBitCount ?? 0)
            }
            return count > 0 ? count : nil
        #else
            return nil
        #endif
    }
}
