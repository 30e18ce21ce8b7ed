#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Byte-class tests for parsing HTTP heads, a word at a time where it counts.
enum ByteScan {
    /// Calls `body` with each non-empty member of a comma-separated list value, without the
    /// spaces and tabs around it (RFC 9110 §5.6.1).
    static func forEachListMember(
        _ value: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        var start = 0
        while start <= value.count {
            var end = start
            while end < value.count && value[end] != 0x2C { end += 1 }
            let member = UpstreamFieldLines.trimmed(UnsafeRawBufferPointer(rebasing: value[start..<end]))
            if !member.isEmpty { try body(member) }
            start = end + 1
        }
    }

    /// The index of the first `byte` in `raw[from..<to]` (libc's vectorised memchr).
    @inline(__always)
    static func index(of byte: UInt8, in raw: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        // memchr reads unchecked: the range is checked here, in release builds too (one compare).
        precondition(from >= 0 && to <= raw.count, "scan outside the buffer")
        guard from < to, let base = raw.baseAddress,
            let found = memchr(base + from, Int32(byte), to - from)
        else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// Whether every byte of `raw[range]` may appear in a field value: HTAB, SP, visible ASCII,
    /// obs-text; never CR, LF, NUL, DEL or another control. Eight bytes per step; a word holding
    /// a control byte (HTAB is one) is looked at byte by byte.
    static func isFieldValue(_ raw: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        // Eight-byte loads are unchecked: the range is checked once here.
        precondition(range.lowerBound >= 0 && range.upperBound <= raw.count, "scan outside the buffer")
        var i = range.lowerBound
        let end = range.upperBound
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while i + 8 <= end {
            let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let below20 = (word &- ones &* 0x20) & ~word & highs
            let del = word ^ (ones &* 0x7F)
            let isDel = (del &- ones) & ~del & highs
            if below20 | isDel != 0 {
                for j in i..<(i + 8) where !isFieldValueByte(raw[j]) { return false }
            }
            i += 8
        }
        while i < end {
            if !isFieldValueByte(raw[i]) { return false }
            i += 1
        }
        return true
    }

    /// Whether `raw` can go into a quoted log field as it is: no control byte, DEL, `"` or `\\`,
    /// and no byte above 0x7F unless `allowHigh`. Eight bytes per step.
    static func isPlainText(_ raw: UnsafeRawBufferPointer, allowHigh: Bool) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasByte(_ word: UInt64, _ byte: UInt8) -> Bool {
            let x = word ^ (ones &* UInt64(byte))
            return (x &- ones) & ~x & highs != 0
        }
        var i = 0
        let count = raw.count
        while i + 8 <= count {
            let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if (word &- ones &* 0x20) & ~word & highs != 0 || hasByte(word, 0x22) || hasByte(word, 0x5C)
                || hasByte(word, 0x7F) || (!allowHigh && word & highs != 0)
            {
                break
            }
            i += 8
        }
        while i < count {
            let b = raw[i]
            if b < 0x20 || b == 0x22 || b == 0x5C || b == 0x7F || (!allowHigh && b > 0x7F) { return false }
            i += 1
        }
        return true
    }

    @inline(__always)
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
    }

    /// RFC 9110 tchar, as a 128-bit set.
    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool {
        // ! # $ % & ' * + - . 0-9 in the low word; A-Z ^ _ ` a-z | ~ in the high word.
        let low: UInt64 = 0x03FF_6CFA_0000_0000
        let high: UInt64 = 0x57FF_FFFF_C7FF_FFFE
        if byte < 64 { return (low >> UInt64(byte)) & 1 == 1 }
        if byte < 128 { return (high >> UInt64(byte - 64)) & 1 == 1 }
        return false
    }
}
