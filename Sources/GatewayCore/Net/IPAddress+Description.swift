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
        String(unsafeUninitializedCapacity: 45) { buffer in
            var writer = ASCIIWriter(buffer: buffer)
            switch self {
            case .v4(let value):
                writer.writeIPv4(value)
            case .v6(let high, let low):
                writer.writeIPv6(high: high, low: low)
            }
            return writer.count
        }
    }
}

/// Appends ASCII into a fixed buffer; the caller sizes it for the worst case.
private struct ASCIIWriter {
    let buffer: UnsafeMutableBufferPointer<UInt8>
    var count = 0

    init(buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    mutating func write(_ byte: UInt8) {
        buffer[count] = byte
        count += 1
    }

    mutating func writeDecimal(_ value: UInt32) {
        if value >= 100 { write(UInt8(ascii: "0") + UInt8(value / 100)) }
        if value >= 10 { write(UInt8(ascii: "0") + UInt8(value / 10 % 10)) }
        write(UInt8(ascii: "0") + UInt8(value % 10))
    }

    mutating func writeHex(_ value: UInt16) {
        let digits: StaticString = "0123456789abcdef"
        var started = false
        for shift in stride(from: 12, through: 0, by: -4) {
            let nibble = Int(value >> UInt16(shift) & 0xF)
            if nibble != 0 || started || shift == 0 {
                write(digits.utf8Start[nibble])
                started = true
            }
        }
    }

    mutating func writeIPv4(_ value: UInt32) {
        writeDecimal(value >> 24)
        write(UInt8(ascii: "."))
        writeDecimal(value >> 16 & 0xFF)
        write(UInt8(ascii: "."))
        writeDecimal(value >> 8 & 0xFF)
        write(UInt8(ascii: "."))
        writeDecimal(value & 0xFF)
    }

    mutating func writeIPv6(high: UInt64, low: UInt64) {
        if high == 0, low >> 32 == 0xFFFF {
            for byte in "::ffff:".utf8 { write(byte) }
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
                write(UInt8(ascii: ":"))
                write(UInt8(ascii: ":"))
                index += bestLength
                continue
            }
            if index > 0, index != bestStart + bestLength || bestStart < 0 {
                write(UInt8(ascii: ":"))
            }
            writeHex(group(index))
            index += 1
        }
    }
}
