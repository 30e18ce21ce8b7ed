/// Request ids (SPEC §10): the client's when usable, else a fresh random UUID.
///
/// One generator per event loop: a xoshiro-style PRNG seeded from the system, so minting an id costs
/// no system call and no lock.
final class RequestIDGenerator {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    init() {
        var system = SystemRandomNumberGenerator()
        state = (system.next(), system.next(), system.next(), system.next() | 1)
    }

    /// The client's `X-Request-ID` (given when it occurs once) if it is 1–128 visible ASCII characters.
    static func acceptable(_ value: String?) -> RequestID? {
        guard let value else { return nil }
        let bytes = value.utf8
        guard (1...128).contains(bytes.count), bytes.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else { return nil }
        return RequestID(value)
    }

    func next() -> RequestID {
        let high = (nextRandom() & ~0xF000) | 0x4000  // version 4
        let low = (nextRandom() & ~(0xC << 60)) | (0x8 << 60)  // RFC 4122 variant
        return RequestID(minted: high, low: low)
    }

    private func nextRandom() -> UInt64 {
        let result = (state.1 &* 5).rotatedLeft(7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3.rotatedLeft(45)
        return result
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}
