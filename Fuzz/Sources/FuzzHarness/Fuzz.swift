import NIOCore
import NIOEmbedded

/// The fuzz targets' bodies, one function each (see `Fuzz/README.md`). Every check that fails
/// traps with a message, which libFuzzer reports as a crash and keeps the input.
public enum Fuzz {}

extension Fuzz {
    /// Traps with `message` unless `condition` holds.
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("fuzz invariant: " + message()) }
    }

    /// `bytes` cut into reads as `seed` says: 0 is one read, else pieces of 1…seed bytes from a
    /// small generator seeded by it, so the fuzzer explores where reads end.
    static func reads(_ bytes: [UInt8], seed: UInt8) -> [ArraySlice<UInt8>] {
        guard seed != 0 else { return [bytes[...]] }
        var state = UInt32(seed) &* 2_654_435_761
        var pieces: [ArraySlice<UInt8>] = []
        var at = 0
        while at < bytes.count {
            state = state &* 1_103_515_245 &+ 12345
            let size = 1 + Int((state >> 16) % UInt32(seed))
            let end = min(bytes.count, at + size)
            pieces.append(bytes[at..<end])
            at = end
        }
        return pieces
    }

    static func buffer(_ bytes: some Collection<UInt8>) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return buffer
    }

    static func bytes(_ buffer: ByteBuffer) -> [UInt8] {
        buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
    }
}

/// Field lines as a strict, independent reader sees them: split at LF, CR dropped, name before
/// the first colon, value with SP/HTAB trimmed. Used to check the gateway's own walkers.
struct FieldLine: Equatable {
    var name: [UInt8]
    var value: [UInt8]

    var lowercasedName: [UInt8] { name.map { $0 &- 0x41 < 26 ? $0 | 0x20 : $0 } }

    static func split(_ bytes: [UInt8]) -> [FieldLine] {
        var lines: [FieldLine] = []
        for var line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if line.last == 0x0D { line = line.dropLast() }
            guard !line.isEmpty, let colon = line.firstIndex(of: 0x3A) else { continue }
            var value = line[(colon + 1)...]
            while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
            while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
            lines.append(FieldLine(name: Array(line[..<colon]), value: Array(value)))
        }
        return lines
    }
}

/// A head as sent on the wire, read strictly: CRLF line ends only, `name: value` lines with a
/// token name and no control byte in a value, one blank line at the end and nothing after it.
struct WireHead {
    var startLine: [UInt8]
    var fields: [FieldLine]

    static func parse(_ bytes: [UInt8]) -> WireHead? {
        guard bytes.count >= 4, Array(bytes.suffix(4)) == [13, 10, 13, 10] else { return nil }
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0A {
                guard i > 0, bytes[i - 1] == 0x0D else { return nil }
                lines.append(bytes[start..<(i - 1)])
                start = i + 1
            } else if bytes[i] == 0x0D {
                guard i + 1 < bytes.count, bytes[i + 1] == 0x0A else { return nil }
            }
            i += 1
        }
        guard lines.count >= 2, lines.last!.isEmpty else { return nil }
        var fields: [FieldLine] = []
        for line in lines.dropFirst().dropLast() {
            guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else { return nil }
            let name = line[..<colon]
            guard name.allSatisfy(isToken) else { return nil }
            let rest = line[(colon + 1)...]
            guard rest.first == 0x20 else { return nil }
            let value = rest.dropFirst()
            guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else { return nil }
            fields.append(FieldLine(name: Array(name), value: Array(value)))
        }
        return WireHead(startLine: Array(lines[0]), fields: fields)
    }

    func values(_ lowercasedName: String) -> [[UInt8]] {
        fields.filter { $0.lowercasedName == Array(lowercasedName.utf8) }.map(\.value)
    }

    static func isToken(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}
