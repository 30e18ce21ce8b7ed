extension IPAddress: CustomStringConvertible {
    /// The canonical text form: dotted quad for IPv4, RFC 5952 for IPv6
    /// (lower case, no leading zeros, the longest run of two or more zero
    /// groups shortened to `::`, the leftmost on a tie, and IPv4-mapped
    /// addresses as `::ffff:a.b.c.d`).
    ///
    /// Every address the gateway writes (X-Forwarded-For, logs, limiter
    /// keys) goes through here, so equal addresses always print equal.
    public var description: String {
        // 45 bytes fit the longest form, `ffff:…:ffff:255.255.255.255`.
        String(estimate: 45) { writer in
            switch self {
            case .v4(let value):
                writer.writeIPv4(value)
            case .v6(let high, let low):
                writer.writeIPv6(high: high, low: low)
            }
        }
    }
}

extension ByteWriter {
    fileprivate mutating func writeIPv4(_ value: UInt32) {
        putDecimal(UInt64(value >> 24))
        put(UInt8(ascii: "."))
        putDecimal(UInt64(value >> 16 & 0xFF))
        put(UInt8(ascii: "."))
        putDecimal(UInt64(value >> 8 & 0xFF))
        put(UInt8(ascii: "."))
        putDecimal(UInt64(value & 0xFF))
    }

    fileprivate mutating func writeIPv6(high: UInt64, low: UInt64) {
        if high == 0, low >> 32 == 0xFFFF {
            put("::ffff:")
            writeIPv4(UInt32(truncatingIfNeeded: low))
            return
        }
        func group(_ index: Int) -> UInt16 {
            let word = index < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> UInt64(48 - 16 * (index % 4)))
        }
        // Longest run of zero groups, leftmost on a tie; runs of one stay.
        var bestStart = -1
        var bestLength = 1
        var runStart = -1
        for index in 0...8 {
            if index < 8, group(index) == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                if index - runStart > bestLength {
                    bestStart = runStart
                    bestLength = index - runStart
                }
                runStart = -1
            }
        }
        var index = 0
        while index < 8 {
            if index == bestStart {
                put(UInt8(ascii: ":"))
                put(UInt8(ascii: ":"))
                index += bestLength
                continue
            }
            if index > 0, index != bestStart + bestLength || bestStart < 0 {
                put(UInt8(ascii: ":"))
            }
            putHex(UInt64(group(index)))
            index += 1
        }
    }
}
