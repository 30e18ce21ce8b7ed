import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Ports for tests that need a closed door, or a port to hand to a child process.
enum TestPorts {
    /// A loopback port nothing listens on right now, chosen *below* the kernel's ephemeral range
    /// (32768–60999 here): servers that tests bind to port 0 are never given it, so it stays free
    /// for the child process or the "refused" check that asked for it. Checked by binding it once,
    /// and never handed out twice in one test run (tests run in parallel, and one test may ask
    /// for two ports).
    static func unused(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> Int {
        for _ in 0..<50 {
            let candidate = Int.random(in: 20_000..<32_000)
            guard handedOut.withLockedValue({ $0.insert(candidate).inserted }) else { continue }
            guard let channel = try? await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: candidate).get()
            else { continue }
            try await channel.close()
            return candidate
        }
        throw TestUpstreamError.noLocalPort
    }

    private static let handedOut = NIOLockedValueBox<Set<Int>>([])
}
