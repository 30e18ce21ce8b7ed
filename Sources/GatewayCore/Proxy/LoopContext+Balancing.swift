import NIOCore

/// Per-loop request counts for balancing and the retry budget (SPEC §15). Loop-local on purpose:
/// no lock or atomic per request, at the price of each loop balancing by its own view.
struct LoopBalancer {
    /// Requests in flight per endpoint (`UpstreamURL.endpointID`) on this loop.
    private var outstanding: [Int] = []
    /// Requests in flight, and retries among them, per service (`ServiceEndpoints.serviceID`).
    private var inFlight: [Int] = []
    private var retrying: [Int] = []
    private var random = Xorshift(seed: UInt64.random(in: 1...UInt64.max))

    /// Least outstanding of two endpoints picked at random among those not ejected (and not
    /// `avoiding`, unless it is the only one left).
    mutating func pick(_ endpoints: ServiceEndpoints, avoiding: Int?, now: Int64) -> UpstreamURL {
        let all = endpoints.endpoints
        var candidates: [Int] = []
        candidates.reserveCapacity(all.count)
        for index in all.indices where all[index].endpointID != avoiding && !endpoints.health[index].isEjected(at: now)
        {
            candidates.append(index)
        }
        if candidates.isEmpty {
            // All out: prefer another endpoint even if ejected, else the one that failed.
            candidates = all.indices.filter { all[$0].endpointID != avoiding }
            if candidates.isEmpty { return all[0] }
        }
        if candidates.count == 1 { return all[candidates[0]] }
        let first = Int(random.next() % UInt64(candidates.count))
        var second = Int(random.next() % UInt64(candidates.count - 1))
        if second >= first { second += 1 }
        let a = all[candidates[first]]
        let b = all[candidates[second]]
        return count(outstanding, a.endpointID) <= count(outstanding, b.endpointID) ? a : b
    }

    mutating func began(endpoint: Int, service: Int) {
        bump(&outstanding, endpoint, 1)
        bump(&inFlight, service, 1)
    }

    mutating func ended(endpoint: Int, service: Int, retried: Bool) {
        bump(&outstanding, endpoint, -1)
        bump(&inFlight, service, -1)
        if retried { bump(&retrying, service, -1) }
    }

    mutating func moved(from old: Int, to new: Int) {
        bump(&outstanding, old, -1)
        bump(&outstanding, new, 1)
    }

    /// Takes a retry from the service's budget: 20% of its requests in flight, at least 3.
    mutating func takeRetry(service: Int) -> Bool {
        guard count(retrying, service) < max(3, count(inFlight, service) / 5) else { return false }
        bump(&retrying, service, 1)
        return true
    }

    private func count(_ array: [Int], _ index: Int) -> Int { index < array.count ? array[index] : 0 }

    private func bump(_ array: inout [Int], _ index: Int, _ delta: Int) {
        if index >= array.count { array += Array(repeating: 0, count: index + 1 - array.count) }
        array[index] += delta
    }
}

/// A small fast generator: balancing needs spread, not secrecy.
struct Xorshift {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
