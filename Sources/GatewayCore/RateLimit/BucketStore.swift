/// The buckets of one limiter shard: a dictionary from key to slot, plus a
/// least-recently-used list threaded through the slots by index, so
/// touching, inserting and evicting are O(1) with no per-entry allocation.
///
/// A pure value; `RateLimiter` keeps one per shard behind a lock.
struct BucketStore: Sendable {
    private struct Slot: Sendable {
        var key: RateLimitKey
        var bucket: TokenBucket
        var previous: Int32  // towards the most recently used; -1 at the head
        var next: Int32  // towards the least recently used; -1 at the tail
        /// Tokens taken here since the shared store last heard of this key (SPEC §16).
        var unsynced: Double = 0
        /// Listed in `unsyncedSlots`.
        var listed = false
    }

    /// A key parked in free slots, so they do not keep a user-id string alive.
    private static let vacant = RateLimitKey.ipv4(0)
    /// Below this many slots a store is never rebuilt: not worth the work.
    private static let minimumRebuildSlots = 64

    let capacity: Int
    private var index: [RateLimitKey: Int32] = [:]
    private var slots: [Slot] = []
    private var head: Int32 = -1  // most recently used
    private var tail: Int32 = -1  // least recently used
    private var freeList: Int32 = -1  // chained through `next`
    /// Whether takes are counted for a shared store; off when there is none or it is down.
    private(set) var countsTakes = false
    /// Slots whose takes the store has not heard of yet, oldest first; entries whose slot was
    /// freed or already reported since are skipped when drained.
    private var unsyncedSlots: [Int32] = []

    init(capacity: Int) {
        precondition(capacity >= 1 && capacity < Int(Int32.max))
        self.capacity = capacity
    }

    var count: Int { index.count }

    /// Slots and dictionary room currently allocated, for memory tests.
    var allocatedCapacity: Int { index.capacity + slots.capacity }

    /// Keys from most to least recently used.
    var keysByRecency: [RateLimitKey] {
        var keys: [RateLimitKey] = []
        var cursor = head
        while cursor >= 0 {
            keys.append(slots[Int(cursor)].key)
            cursor = slots[Int(cursor)].next
        }
        return keys
    }

    /// Takes a token from `key`'s bucket, creating a full one (and evicting
    /// the least recently used when at capacity) for a new key.
    mutating func take(
        _ key: RateLimitKey, now: Double, capacity bucketCapacity: Double, refillPerSecond: Double
    ) -> (allowed: Bool, bucket: TokenBucket) {
        let slot: Int32
        if let found = index[key] {
            slot = found
            unlink(slot)
        } else {
            slot = allocate(key, bucket: .full(capacity: bucketCapacity, at: now))
            index[key] = slot
        }
        pushFront(slot)
        let allowed = slots[Int(slot)].bucket.take(now: now, capacity: bucketCapacity, refillPerSecond: refillPerSecond)
        if allowed && countsTakes {
            slots[Int(slot)].unsynced += 1
            if !slots[Int(slot)].listed {
                slots[Int(slot)].listed = true
                unsyncedSlots.append(slot)
            }
        }
        return (allowed, slots[Int(slot)].bucket)
    }

    // MARK: - Sharing with a store (SPEC §16)

    /// Turns counting on or off; turning it off forgets what was not reported (the store is
    /// gone, and local limits alone apply until it is back).
    mutating func setCountsTakes(_ on: Bool) {
        countsTakes = on
        guard !on else { return }
        for slot in unsyncedSlots {
            slots[Int(slot)].unsynced = 0
            slots[Int(slot)].listed = false
        }
        unsyncedSlots.removeAll()
    }

    /// Hands over up to `limit` keys with the tokens taken from each since the last call, and
    /// zeroes their counts; keys beyond the limit wait for the next call.
    mutating func drainUnsynced(limit: Int, into out: inout [(key: RateLimitKey, taken: Double)]) {
        var used = 0
        for slot in unsyncedSlots {
            guard out.count < limit else { break }
            used += 1
            guard slots[Int(slot)].listed else { continue }
            slots[Int(slot)].listed = false
            out.append((slots[Int(slot)].key, slots[Int(slot)].unsynced))
            slots[Int(slot)].unsynced = 0
        }
        unsyncedSlots.removeFirst(used)
    }

    /// Lowers `key`'s bucket to the store's answer: the shared tokens, less what was taken here
    /// since the keys were drained (those are reported next round). Never raises it: the store can
    /// only be higher when it missed takes (made while it was down), and granting those again
    /// would exceed the limit. A key evicted meanwhile is left alone: it starts over as any new key.
    mutating func applyShared(
        _ key: RateLimitKey, tokens: Double, now: Double, capacity bucketCapacity: Double, refillPerSecond: Double
    ) {
        guard let slot = index[key] else { return }
        var bucket = slots[Int(slot)].bucket
        bucket.refill(now: now, capacity: bucketCapacity, refillPerSecond: refillPerSecond)
        bucket.tokens = min(bucket.tokens, bucketCapacity, tokens - slots[Int(slot)].unsynced)
        bucket.updatedAt = max(bucket.updatedAt, now)
        slots[Int(slot)].bucket = bucket
    }

    /// Drops every bucket that has refilled to capacity by `now`, then
    /// rebuilds the storage when it is mostly empty, so memory taken by a
    /// flood of clients is returned once they go quiet.
    mutating func sweep(now: Double, capacity bucketCapacity: Double, refillPerSecond: Double) {
        var cursor = head
        while cursor >= 0 {
            let next = slots[Int(cursor)].next
            if !slots[Int(cursor)].listed,
                slots[Int(cursor)].bucket.isFull(at: now, capacity: bucketCapacity, refillPerSecond: refillPerSecond)
            {
                unlink(cursor)
                index[slots[Int(cursor)].key] = nil
                release(cursor)
            }
            cursor = next
        }
        if slots.count >= Self.minimumRebuildSlots, count <= slots.count / 4 {
            rebuild()
        }
    }

    // MARK: - List and slot plumbing

    private mutating func allocate(_ key: RateLimitKey, bucket: TokenBucket) -> Int32 {
        let slot: Int32
        if index.count >= capacity {
            slot = tail
            unlink(slot)
            index[slots[Int(slot)].key] = nil
        } else if freeList >= 0 {
            slot = freeList
            freeList = slots[Int(slot)].next
        } else {
            slots.append(Slot(key: key, bucket: bucket, previous: -1, next: -1))
            return Int32(slots.count - 1)
        }
        slots[Int(slot)] = Slot(key: key, bucket: bucket, previous: -1, next: -1)
        return slot
    }

    private mutating func release(_ slot: Int32) {
        slots[Int(slot)].key = Self.vacant
        slots[Int(slot)].unsynced = 0
        slots[Int(slot)].listed = false
        slots[Int(slot)].next = freeList
        freeList = slot
    }

    private mutating func unlink(_ slot: Int32) {
        let previous = slots[Int(slot)].previous
        let next = slots[Int(slot)].next
        if previous >= 0 { slots[Int(previous)].next = next } else { head = next }
        if next >= 0 { slots[Int(next)].previous = previous } else { tail = previous }
        slots[Int(slot)].previous = -1
        slots[Int(slot)].next = -1
    }

    private mutating func pushFront(_ slot: Int32) {
        slots[Int(slot)].previous = -1
        slots[Int(slot)].next = head
        if head >= 0 { slots[Int(head)].previous = slot } else { tail = slot }
        head = slot
    }

    /// Copies the live entries, in recency order, into right-sized storage.
    private mutating func rebuild() {
        var newSlots: [Slot] = []
        newSlots.reserveCapacity(count)
        var newIndex: [RateLimitKey: Int32] = [:]
        newIndex.reserveCapacity(count)
        var newUnsynced: [Int32] = []
        var cursor = head
        while cursor >= 0 {
            var slot = slots[Int(cursor)]
            cursor = slot.next
            let position = Int32(newSlots.count)
            slot.previous = position - 1
            slot.next = cursor >= 0 ? position + 1 : -1
            newIndex[slot.key] = position
            if slot.listed { newUnsynced.append(position) }
            newSlots.append(slot)
        }
        unsyncedSlots = newUnsynced
        slots = newSlots
        index = newIndex
        head = slots.isEmpty ? -1 : 0
        tail = Int32(slots.count) - 1
        freeList = -1
    }
}
