import Testing

@testable import GatewayCore

/// SPEC §15's numbers on values: 5 consecutive failures eject for 30 s × n (at most 300 s), one
/// success resets the count, and retries stay within 20% of a service's in-flight (at least 3).
@Suite("Endpoint health and retry budget")
struct EndpointHealthTests {
    static let second: Int64 = 1_000_000_000
    static let base = 30 * second

    @Test("five failures in a row eject; a success in between starts the count again")
    func consecutive() {
        let health = EndpointHealth(endpoint: UpstreamURL(host: "10.9.0.1", port: 1))
        for _ in 0..<4 { #expect(!health.failed(at: 0, baseEjection: Self.base) { true }) }
        health.succeeded()
        for _ in 0..<4 { #expect(!health.failed(at: 0, baseEjection: Self.base) { true }) }
        #expect(health.failed(at: 0, baseEjection: Self.base) { true })
        #expect(health.isEjected(at: Self.base - 1))
        #expect(!health.isEjected(at: Self.base))
    }

    @Test("each ejection lasts 30 s times the number of ejections, at most 300 s")
    func growingEjections() {
        let health = EndpointHealth(endpoint: UpstreamURL(host: "10.9.0.2", port: 1))
        var now: Int64 = 0
        for n in 1...12 {
            for _ in 0..<4 { _ = health.failed(at: now, baseEjection: Self.base) { true } }
            #expect(health.failed(at: now, baseEjection: Self.base) { true })
            let length = min(Int64(n) * 30, 300) * Self.second
            #expect(health.isEjected(at: now + length - 1), "ejection \(n)")
            #expect(!health.isEjected(at: now + length), "ejection \(n)")
            now += length
        }
    }

    @Test("no ejection when the service would lose more than half its endpoints")
    func half() {
        let health = EndpointHealth(endpoint: UpstreamURL(host: "10.9.0.3", port: 1))
        for _ in 0..<10 { #expect(!health.failed(at: 0, baseEjection: Self.base) { false }) }
        #expect(!health.isEjected(at: 0))
        let service = ServiceEndpoints(
            service: ServiceName("half"),
            endpoints: [UpstreamURL(host: "10.9.0.4", port: 1), UpstreamURL(host: "10.9.0.5", port: 1)])
        #expect(service.mayEjectAnother(at: 0))
        for _ in 0..<5 {
            _ = service.health[0].failed(at: 0, baseEjection: Self.base) { service.mayEjectAnother(at: 0) }
        }
        #expect(service.health[0].isEjected(at: 0))
        #expect(!service.mayEjectAnother(at: 0), "one of two is half")
    }

    @Test("retries: at least 3 in flight, else 20% of the service's requests in flight")
    func retryBudget() {
        var balancer = LoopBalancer()
        var granted: [Bool] = []
        for _ in 0..<4 { granted.append(balancer.takeRetry(service: 0)) }
        #expect(granted == [true, true, true, false], "3 with nothing else in flight")
        for _ in 0..<20 { balancer.began(endpoint: 0, service: 0) }
        granted = [balancer.takeRetry(service: 0), balancer.takeRetry(service: 0)]
        #expect(granted == [true, false], "20 in flight: 4 retries")
        balancer.ended(endpoint: 0, service: 0, retried: true)
        granted = [balancer.takeRetry(service: 0), balancer.takeRetry(service: 1)]
        #expect(granted == [false, true], "19 in flight and 3 retrying: full; another service has its own budget")
    }
}
