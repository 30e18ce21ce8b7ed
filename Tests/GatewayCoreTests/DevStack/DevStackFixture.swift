import DevStack
import GatewayCore
import NIOCore
import NIOPosix

/// Starts a dev stack for one test and always shuts it down.
func withDevStack<R>(
    sseInterval: TimeAmount = .milliseconds(100),
    sseEventCount: Int = 5,
    issuer: String? = "aegis-gateway",
    _ body: (DevStack) async throws -> R
) async throws -> R {
    let configuration = DevStackConfiguration(
        jwtSecret: devStackTestSecret,
        jwtIssuer: issuer,
        sseInterval: sseInterval,
        sseEventCount: sseEventCount
    )
    let stack = try await DevStack.start(configuration, group: MultiThreadedEventLoopGroup.singleton)
    do {
        let result = try await body(stack)
        try await stack.shutdown()
        return result
    } catch {
        try? await stack.shutdown()
        throw error
    }
}

let devStackTestSecret = "dev-stack-test-secret"

extension DevStack {
    /// The port of `service`'s stand-in, read back from its URL.
    func port(of service: ServiceName) -> Int {
        Int(urls[service]!.split(separator: ":").last!)!
    }
}
