import Foundation
import GatewayCore

/// Resident memory of this process, from /proc (KiB).
func residentKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }
    return -1
}

/// A flood of 1,000,000 distinct client addresses through the limiter with the production
/// defaults (100/min, burst 10, 100,000 keys), then the periodic sweep 30 s of (injected) clock
/// time later.
func floodLimiter() {
    let limiter = RateLimiter(perMinute: 100, burst: 10, maxKeys: 100_000)
    let before = residentKiB()
    var peak = before
    var t = 1000.0
    for i in 0..<1_000_000 {
        _ = limiter.take(.ipv4(UInt32(truncatingIfNeeded: 0x0A00_0000 &+ i)), now: t)
        t += 1e-6
        if i % 50_000 == 0 { peak = max(peak, residentKiB()) }
    }
    peak = max(peak, residentKiB())
    let keysAfterFlood = limiter.keyCount
    limiter.sweep(now: t + 30)
    let trimmed = MemoryRelease.returnFreedMemory()
    let after = residentKiB()
    print("flood: 1,000,000 distinct IPv4 clients, RATE_LIMIT_MAX_KEYS=100000")
    print("  RSS before: \(before) KiB, peak: \(peak) KiB (+\(peak - before) KiB), keys held: \(keysAfterFlood)")
    print(
        "  30 s later (sweep\(trimmed ? " + malloc_trim" : "")): \(after) KiB (+\(after - before) KiB), keys held: \(limiter.keyCount)"
    )
}
