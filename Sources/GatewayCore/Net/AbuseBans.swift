import NIOConcurrencyHelpers
import NIOCore

/// Client addresses refused at accept for a while after one of their connections was cut for
/// abuse (SPEC §17: abusers are cut "without slowing others").
///
/// Cutting a connection leaves its client free to open the next at once, and each new one costs
/// the loop a TLS handshake, an HTTP/2 set-up and the frames it floods until the limit trips;
/// refusing its address costs an accept and a close. A first offence bans for `base`, each
/// repeat within `memory` of the last ban doubles it (at most `longest`). The table holds at most
/// `capacity` addresses: an address spray cannot grow it, it only goes without bans.
final class AbuseBans: Sendable {
    struct Entry: Equatable {
        /// Monotonic nanoseconds until which new connections are refused.
        var until: Int64
        var offences: Int
    }

    let base: Int64
    let longest: Int64
    /// How long after a ban ends an address's offences are remembered (for the doubling).
    let memory: Int64
    let capacity: Int
    private let entries = NIOLockedValueBox<[IPAddress: Entry]>([:])

    /// - Parameter base: the first ban; zero turns banning off.
    init(
        base: TimeAmount, longest: TimeAmount = .minutes(10), memory: TimeAmount = .minutes(10),
        capacity: Int = 4096
    ) {
        self.base = base.nanoseconds
        self.longest = max(longest.nanoseconds, base.nanoseconds)
        self.memory = memory.nanoseconds
        self.capacity = capacity
    }

    var isEnabled: Bool { base > 0 }

    /// Bans `address` (IPv4-mapped addresses count as IPv4). Returns the entry, nil when banning
    /// is off or the table is full of live entries.
    @discardableResult
    func ban(_ address: IPAddress, now: Int64) -> Entry? {
        guard isEnabled else { return nil }
        let address = address.unmappedIPv4
        return entries.withLockedValue { entries in
            let previous = entries[address].flatMap { now < $0.until + memory ? $0 : nil }
            if previous == nil && entries.count >= capacity {
                entries = entries.filter { now < $0.value.until + memory }
                if entries.count >= capacity { return nil }
            }
            let offences = (previous?.offences ?? 0) + 1
            // base × 2^(offences − 1), without overflowing for a persistent offender.
            let length = offences > 20 ? longest : min(base << (offences - 1), longest)
            // A repeat while banned (a connection accepted just before) does not shorten the ban.
            let entry = Entry(until: max(now + length, previous?.until ?? 0), offences: offences)
            entries[address] = entry
            return entry
        }
    }

    func isBanned(_ address: IPAddress, now: Int64) -> Bool {
        guard isEnabled else { return false }
        let address = address.unmappedIPv4
        return entries.withLockedValue { entries in
            guard let entry = entries[address] else { return false }
            return now < entry.until
        }
    }

    var count: Int { entries.withLockedValue { $0.count } }
}
