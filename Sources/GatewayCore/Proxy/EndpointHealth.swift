import NIOConcurrencyHelpers
import Synchronization

/// Passive health of one endpoint (SPEC §15), shared by every loop and every routing table that
/// lists it: five consecutive failures eject it for 30 s × the times it has been ejected (at
/// most 300 s); one success resets the count.
///
/// Atomics, not a lock: successes are reported by every request of a balanced service and must
/// cost no more than a load.
final class EndpointHealth: Sendable {
    static let failuresToEject = 5

    let endpoint: UpstreamURL
    private let failures = Atomic<Int>(0)
    /// Monotonic nanoseconds until which the endpoint is out; 0 when it is in.
    private let ejectedUntil = Atomic<Int64>(0)
    private let ejections = Atomic<Int>(0)

    init(endpoint: UpstreamURL) { self.endpoint = endpoint }

    func isEjected(at now: Int64) -> Bool {
        let until = ejectedUntil.load(ordering: .relaxed)
        return until != 0 && now < until
    }

    func succeeded() {
        if failures.load(ordering: .relaxed) != 0 { failures.store(0, ordering: .relaxed) }
    }

    /// Counts a failure; ejects when it is the fifth in a row and `mayEject` agrees (the service
    /// keeps at least half its endpoints). Answers whether this call ejected the endpoint.
    func failed(at now: Int64, baseEjection: Int64, mayEject: () -> Bool) -> Bool {
        let count = failures.add(1, ordering: .relaxed).newValue
        guard count >= Self.failuresToEject, !isEjected(at: now), mayEject() else { return false }
        // One loop wins the ejection; the others see the count reset.
        guard failures.compareExchange(expected: count, desired: 0, ordering: .relaxed).exchanged else { return false }
        let times = ejections.add(1, ordering: .relaxed).newValue
        ejectedUntil.store(now + min(baseEjection * Int64(times), baseEjection * 10), ordering: .relaxed)
        return true
    }

    /// One per endpoint for the process: health outlives reloads that keep the endpoint.
    static func of(_ endpoint: UpstreamURL) -> EndpointHealth {
        registry.withLockedValue { all in
            while all.count <= endpoint.endpointID { all.append(nil) }
            if let known = all[endpoint.endpointID] { return known }
            let made = EndpointHealth(endpoint: endpoint)
            all[endpoint.endpointID] = made
            return made
        }
    }

    private static let registry = NIOLockedValueBox<[EndpointHealth?]>([])
}

/// A service's endpoints in one routing table, with their health.
public final class ServiceEndpoints: Sendable {
    public let service: ServiceName
    public let endpoints: [UpstreamURL]
    let health: [EndpointHealth]
    /// Dense per process, for per-loop counters.
    let serviceID: Int

    init(service: ServiceName, endpoints: [UpstreamURL]) {
        self.service = service
        self.endpoints = endpoints
        self.health = endpoints.map(EndpointHealth.of)
        self.serviceID = ServiceIDs.id(service)
    }

    /// Whether one more endpoint may be ejected: never more than half of them at once.
    func mayEjectAnother(at now: Int64) -> Bool {
        let ejected = health.reduce(0) { $0 + ($1.isEjected(at: now) ? 1 : 0) }
        return ejected + 1 <= endpoints.count / 2
    }
}

/// Numbers services in the order they are first seen, for per-loop arrays.
enum ServiceIDs {
    private static let ids = NIOLockedValueBox<[ServiceName: Int]>([:])

    static func id(_ service: ServiceName) -> Int {
        ids.withLockedValue { ids in
            if let id = ids[service] { return id }
            ids[service] = ids.count
            return ids.count - 1
        }
    }
}
