import Dispatch
import Foundation
import NIOConcurrencyHelpers

/// Resolves a host name to addresses; the system's resolver unless a test injects one.
public struct HostResolver: Sendable {
    public let resolve: @Sendable (String) -> [String]

    public init(_ resolve: @escaping @Sendable (String) -> [String]) { self.resolve = resolve }

    /// getaddrinfo through Foundation; IPv4 addresses when there are any, else IPv6 (as Envoy's
    /// V4_PREFERRED): `localhost` is one endpoint, not two of which one may refuse.
    public static let system = HostResolver { name in
        let addresses = Array(Set(Host(name: name).addresses))
        let v4 = addresses.filter { !$0.contains(":") }
        return (v4.isEmpty ? addresses : v4).sorted()
    }
}

/// Follows the addresses behind endpoint host names (SPEC §15): every UPSTREAM_DNS_REFRESH_SECONDS
/// they are resolved again on a queue of their own, and when any changed, the routing is rebuilt
/// with one endpoint per address and swapped in like a reload. A name that does not resolve keeps
/// its last addresses, or, never resolved, is connected to by name.
final class DNSFollower: Sendable {
    private struct State {
        var routes: [Route]
        var services: [ServiceName: [UpstreamURL]]
        var addresses: [String: [String]] = [:]
    }

    private let resolver: HostResolver
    private let state: NIOLockedValueBox<State>
    private let queue = DispatchQueue(label: "aegis-dns")
    private let apply: @Sendable (RoutingTable) async -> Void

    init(
        routes: [Route], services: [ServiceName: [UpstreamURL]], resolver: HostResolver,
        apply: @escaping @Sendable (RoutingTable) async -> Void
    ) {
        self.resolver = resolver
        self.apply = apply
        self.state = NIOLockedValueBox(State(routes: routes, services: services))
    }

    /// Swaps in a new configuration (a reload) with the addresses known so far, then resolves its
    /// names. Swaps happen one at a time on the follower's queue, so a refresh computed from the
    /// previous configuration can never be applied after this one.
    func configure(routes: [Route], services: [ServiceName: [UpstreamURL]]) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.async {
                let table = self.state.withLockedValue { state in
                    state.routes = routes
                    state.services = services
                    return Self.table(state)
                }
                self.applyWaiting(table)
                done.resume()
            }
        }
        refresh()
    }

    /// Resolves every name now, off the loops; swaps the routing if an address changed.
    func refresh() {
        queue.async {
            let names = self.state.withLockedValue { state in
                Set(state.services.values.joined().filter(\.hostIsName).map(\.host))
            }
            guard !names.isEmpty else { return }
            var resolved: [String: [String]] = [:]
            for name in names {
                let addresses = self.resolver.resolve(name)
                if !addresses.isEmpty { resolved[name] = addresses }
            }
            let table: RoutingTable? = self.state.withLockedValue { state in
                var changed = false
                for (name, addresses) in resolved where state.addresses[name] != addresses {
                    state.addresses[name] = addresses
                    changed = true
                }
                return changed ? Self.table(state) : nil
            }
            if let table { self.applyWaiting(table) }
        }
    }

    /// Applies `table` and waits: only ever on the follower's queue, never on an event loop.
    private func applyWaiting(_ table: RoutingTable) {
        let apply = self.apply
        waitOffLoop { await apply(table) }
    }

    private static func table(_ state: State) -> RoutingTable {
        let expanded = state.services.mapValues { endpoints in
            endpoints.flatMap { endpoint -> [UpstreamURL] in
                guard endpoint.hostIsName, let addresses = state.addresses[endpoint.host] else { return [endpoint] }
                return addresses.map { endpoint.resolved(to: $0) }
            }
        }
        return RoutingTable(routes: state.routes, services: expanded)
    }
}
