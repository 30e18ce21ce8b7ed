import NIOCore
import NIOPosix

/// Ports for tests that need a closed door.
enum TestPorts {
    /// A loopback port nothing listens on right now: bound (port 0) and closed again.
    /// Another process could take it meanwhile, but the kernel does not hand out a
    /// just-released ephemeral port again soon, which is good enough for "refused" tests.
    static func unused(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> Int {
        let channel = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port
        try await channel.close()
        guard let port else { throw TestUpstreamError.noLocalPort }
        return port
    }
}
