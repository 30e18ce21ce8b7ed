public import GatewayCore

/// Why the dev stack could not start.
public enum DevStackError: Error, Equatable {
    /// The socket bound but reported no port, which leaves no URL to give the gateway.
    case noLocalPort(ServiceName)
}
