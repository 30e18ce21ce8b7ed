extension IPAddress {
    /// Parses an address written in text, or returns `nil`.
    ///
    /// - IPv4: exactly four decimal parts 0–255 separated by dots. A part
    ///   with a leading zero (`01`) is rejected: some stacks read it as
    ///   octal, so two components could disagree on which host it names.
    /// - IPv6: RFC 4291 text, with `::` compression and an optional dotted
    ///   IPv4 tail; it may be wrapped in `[` `]`. Zone identifiers
    ///   (`fe80::1%eth0`) are rejected: they do not name a host off-link.
    ///
    /// Nothing else is accepted: no ports, no surrounding white space.
    public init?(parsing text: some StringProtocol) {
        let parsed =
            text.utf8.withContiguousStorageIfAvailable { Self.parse($0) }
            ?? Array(text.utf8).withUnsafeBufferPointer { Self.parse($0) }
        guard let parsed else { return nil }
        self = parsed
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        var start = 0
        var end = bytes.count
        guard end > 0 else { return nil }
        let bracketed = bytes[0] == UInt8(ascii: "[")
        if bracketed {
            guard end >= 2, bytes[end - 1] == UInt8(ascii: "]") else { return nil }
            start = 1
            end -= 1
        }
        var hasColon = false
        for i in start..<end where bytes[i] == UInt8(ascii: ":") {
            hasColon = true
            break
        }
        if hasColon {
            return parseIPv6(bytes, start, end).map(IPAddress.v6(bits:))
        }
        // Brackets are IPv6 syntax only.
        guard !bracketed else { return nil }
        return parseIPv4(bytes, start, end).map(IPAddress.v4)
    }

    /// Parses `a.b.c.d` occupying exactly `bytes[start..<end]`.
    static func parseIPv4(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt32? {
        var result: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var dots = 0
        var i = start
        while i < end {
            let byte = bytes[i]
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                if digits == 1, part == 0 { return nil }  // leading zero
                part = part * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                if part > 255 { return nil }
            } else if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                result = result << 8 | part
                part = 0
                digits = 0
                dots += 1
            } else {
                return nil
            }
            i += 1
        }
        guard digits > 0, dots == 3 else { return nil }
        return result << 8 | part
    }

    /// Parses RFC 4291 text occupying exactly `bytes[start..<end]`.
    static func parseIPv6(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt128? {
        // Groups before `::` accumulate in `head`, groups after it in `tail`.
        var head: UInt128 = 0
        var tail: UInt128 = 0
        var headGroups = 0
        var tailGroups = 0
        var compressed = false
        var i = start

        if end - i >= 2, bytes[i] == UInt8(ascii: ":") {
            guard bytes[i + 1] == UInt8(ascii: ":") else { return nil }
            compressed = true
            i += 2
        }

        while i < end {
            let groupStart = i
            var value: UInt32 = 0
            while i < end, let digit = hexValue(bytes[i]) {
                value = value << 4 | UInt32(digit)
                i += 1
                if i - groupStart > 4 { break }
            }
            let length = i - groupStart
            if i < end, bytes[i] == UInt8(ascii: ".") {
                // Dotted IPv4 tail: must be the last thing and fit in two groups.
                guard headGroups + tailGroups + 2 <= 8,
                    let v4 = parseIPv4(bytes, groupStart, end)
                else { return nil }
                if compressed {
                    tail = tail << 32 | UInt128(v4)
                    tailGroups += 2
                } else {
                    head = head << 32 | UInt128(v4)
                    headGroups += 2
                }
                i = end
                break
            }
            guard length >= 1, length <= 4, headGroups + tailGroups < 8 else { return nil }
            if compressed {
                tail = tail << 16 | UInt128(value)
                tailGroups += 1
            } else {
                head = head << 16 | UInt128(value)
                headGroups += 1
            }
            if i == end { break }
            guard bytes[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            if i < end, bytes[i] == UInt8(ascii: ":") {
                guard !compressed else { return nil }
                compressed = true
                i += 1
            } else if i == end {
                return nil  // a single trailing colon
            }
        }

        let groups = headGroups + tailGroups
        if compressed {
            // `::` stands for at least one zero group.
            guard groups <= 7 else { return nil }
            return head << (16 * (8 - headGroups)) | tail
        }
        guard groups == 8 else { return nil }
        return head
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
