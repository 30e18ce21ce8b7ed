import NIOCore
import Testing

@testable import GatewayCore

/// The ban table on its own, with the clock given: lengths, doubling, forgetting, its bound.
@Suite struct AbuseBansTests {
    static let second: Int64 = 1_000_000_000
    static let a = IPAddress.v4(0x0A00_0001)
    static let b = IPAddress.v4(0x0A00_0002)
    static let c = IPAddress.v4(0x0A00_0003)

    @Test func aFirstOffenceBansForTheBaseLength() {
        let bans = AbuseBans(base: .seconds(10))
        #expect(!bans.isBanned(Self.a, now: 0))
        bans.ban(Self.a, now: 5 * Self.second)
        #expect(bans.isBanned(Self.a, now: 5 * Self.second))
        #expect(bans.isBanned(Self.a, now: 15 * Self.second - 1))
        #expect(!bans.isBanned(Self.a, now: 15 * Self.second))
        #expect(!bans.isBanned(Self.b, now: 5 * Self.second), "only that address")
    }

    @Test func repeatsDoubleUpToTheLongestAndAreForgottenLater() {
        let bans = AbuseBans(base: .seconds(10), longest: .seconds(60), memory: .seconds(100))
        var now: Int64 = 0
        for expected: Int64 in [10, 20, 40, 60, 60] {
            let entry = bans.ban(Self.a, now: now)
            #expect(entry?.until == now + expected * Self.second)
            now = entry!.until
        }
        // A hundred seconds after the last ban ended, the address starts over.
        now += 100 * Self.second
        #expect(bans.ban(Self.a, now: now)?.until == now + 10 * Self.second)
    }

    @Test func aPersistentOffenderNeverOverflows() {
        let bans = AbuseBans(base: .seconds(10))
        var entry: AbuseBans.Entry?
        for index in 0..<200 { entry = bans.ban(Self.a, now: Int64(index)) }
        #expect(entry?.offences == 200)
        #expect(entry?.until == 199 + 600 * Self.second)
    }

    @Test func aRepeatWhileBannedNeverShortensTheBan() {
        let bans = AbuseBans(base: .seconds(10), longest: .seconds(10))
        bans.ban(Self.a, now: 0)
        #expect(bans.ban(Self.a, now: -5 * Self.second)?.until == 10 * Self.second)
    }

    @Test func mappedAddressesAreTheirIPv4() {
        let bans = AbuseBans(base: .seconds(10))
        bans.ban(.v6(0, 0xFFFF_0A00_0001), now: 0)
        #expect(bans.isBanned(Self.a, now: 1))
    }

    @Test func zeroTurnsBanningOff() {
        let bans = AbuseBans(base: .zero)
        #expect(bans.ban(Self.a, now: 0) == nil)
        #expect(!bans.isBanned(Self.a, now: 0))
    }

    /// An address spray cannot grow the table: when full of live entries a new address goes
    /// without a ban; entries whose memory ended make room.
    @Test func theTableIsBounded() {
        let bans = AbuseBans(base: .seconds(10), memory: .seconds(10), capacity: 2)
        bans.ban(Self.a, now: 0)
        bans.ban(Self.b, now: 0)
        #expect(bans.ban(Self.c, now: Self.second) == nil)
        #expect(!bans.isBanned(Self.c, now: Self.second))
        #expect(bans.ban(Self.a, now: Self.second) != nil, "a known address is still counted")
        #expect(bans.count == 2)
        // b's ban ended at 10 s and is forgotten at 20 s; a's second ends at 21 s, kept till 31 s.
        #expect(bans.ban(Self.c, now: 25 * Self.second) != nil)
        #expect(bans.count == 2)
        #expect(bans.isBanned(Self.c, now: 25 * Self.second))
    }
}
