import NIOCore

/// The one place the gateway writes through a pointer.
///
/// Heads, header values and ids are written byte by byte into memory sized up front, because
/// `ByteBuffer`'s own writes check capacity and uniqueness on every call (measured: 3% more
/// instructions per proxied request). Sizing by hand went wrong three times (a head of many short
/// fields, a Location of Latin-1 bytes, the RateLimit value), so the size is no longer trusted:
/// every write checks its bound, in release builds too, and a write past the end is not made but
/// counted. The entry points (`ByteBuffer.write(estimate:_:)`, `String(estimate:_:)`) then run the
/// writing code again with exactly the room it asked for. A wrong estimate costs a second pass,
/// never memory.
///
/// Only those entry points make a writer, and only for the duration of their closure.
struct ByteWriter {
    private let base: UnsafeMutableRawBufferPointer
    /// Bytes asked to be written so far; past `base.count` they were counted, not written.
    private(set) var count = 0

    fileprivate init(_ base: UnsafeMutableRawBufferPointer) { self.base = base }

    /// Whether some write did not fit, so the output is incomplete.
    var overflowed: Bool { count > base.count }

    @inline(__always)
    mutating func put(_ byte: UInt8) {
        if count < base.count { base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self) }
        count += 1
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        if n > 0 && n <= base.count - count {
            (base.baseAddress! + count).copyMemory(from: bytes.baseAddress!, byteCount: n)
        }
        count += n
    }

    @inline(__always)
    mutating func put(_ text: StaticString) {
        put(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    mutating func put(_ text: String) { putText(text) }

    @inline(__always)
    mutating func put(_ text: Substring) { putText(text) }

    @inline(__always)
    private mutating func putText(_ text: some StringProtocol) {
        let n = text.utf8.count
        if n > 0 && n <= base.count - count {
            // The pointer is taken before the closure, so the closure captures no `inout self`.
            let start = base.baseAddress! + count
            let copied: Void? = text.utf8.withContiguousStorageIfAvailable {
                start.copyMemory(from: $0.baseAddress!, byteCount: n)
            }
            if copied == nil {
                for (i, byte) in text.utf8.enumerated() { start.storeBytes(of: byte, toByteOffset: i, as: UInt8.self) }
            }
        }
        count += n
    }

    /// `value` in decimal, without leading zeros.
    mutating func putDecimal(_ value: UInt64) {
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        if digits <= base.count - count {
            // Room checked once for all digits; filled from the last.
            var v = value
            var at = count + digits
            repeat {
                at -= 1
                base.storeBytes(of: UInt8(truncatingIfNeeded: 0x30 + v % 10), toByteOffset: at, as: UInt8.self)
                v /= 10
            } while v > 0
        }
        count += digits
    }

    /// The low `digits` nibbles of `value` in lower-case hex, leading zeros kept.
    mutating func putHex(_ value: UInt64, digits: Int) {
        if digits <= base.count - count {
            var shift = (digits - 1) * 4
            var at = count
            while shift >= 0 {
                let nibble = UInt8(truncatingIfNeeded: value >> UInt64(shift) & 0xF)
                // '0'…'9', then 'a'…'f' (0x61 = 10 + 0x57).
                base.storeBytes(of: nibble &+ (nibble < 10 ? 0x30 : 0x57), toByteOffset: at, as: UInt8.self)
                at += 1
                shift -= 4
            }
        }
        count += digits
    }

    /// `value` in lower-case hex without leading zeros (RFC 5952 groups, chunk sizes).
    mutating func putHex(_ value: UInt64) {
        var digits = 1
        while digits < 16 && value >> UInt64(digits * 4) != 0 { digits += 1 }
        putHex(value, digits: digits)
    }

    /// One `name: value` line.
    @inline(__always)
    mutating func field(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        put(name)
        put(": ")
        put(value)
        put("\r\n")
    }

    @inline(__always)
    mutating func field(_ name: String, _ value: String) {
        put(name)
        put(": ")
        put(value)
        put("\r\n")
    }
}

extension ByteBuffer {
    /// Appends what `body` writes. `estimate` sizes the first pass; when it was short, that pass
    /// is discarded and `body` runs again with the room it asked for, so `body` must write the
    /// same bytes each time it runs.
    @discardableResult
    mutating func write(estimate: Int, _ body: (inout ByteWriter) -> Void) -> Int {
        var room = estimate
        while true {
            var needed = 0
            var fitted = false
            let written = writeWithUnsafeMutableBytes(minimumWritableBytes: room) { raw in
                var writer = ByteWriter(raw)
                body(&writer)
                needed = writer.count
                fitted = !writer.overflowed
                return fitted ? writer.count : 0
            }
            if fitted { return written }
            room = needed
        }
    }
}

extension String {
    /// A string of what `body` writes (ASCII by the callers' contract), sized as
    /// `ByteBuffer.write(estimate:_:)` sizes its writes.
    init(estimate: Int, _ body: (inout ByteWriter) -> Void) {
        var room = estimate
        while true {
            var needed = 0
            var fitted = false
            let text = String(unsafeUninitializedCapacity: room) { buffer in
                var writer = ByteWriter(UnsafeMutableRawBufferPointer(buffer))
                body(&writer)
                needed = writer.count
                fitted = !writer.overflowed
                return fitted ? writer.count : 0
            }
            if fitted {
                self = text
                return
            }
            room = needed
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends what `body` writes, sized as `ByteBuffer.write(estimate:_:)` sizes its writes.
    mutating func append(estimate: Int, _ body: (inout ByteWriter) -> Void) {
        var room = estimate
        while true {
            let start = count
            append(contentsOf: repeatElement(0, count: room))
            var needed = 0
            var fitted = false
            withUnsafeMutableBytes { raw in
                var writer = ByteWriter(UnsafeMutableRawBufferPointer(rebasing: raw[start...]))
                body(&writer)
                needed = writer.count
                fitted = !writer.overflowed
            }
            removeLast(fitted ? room - needed : room)
            if fitted { return }
            room = needed
        }
    }
}
