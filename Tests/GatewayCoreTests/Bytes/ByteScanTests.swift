import Testing

@testable import GatewayCore

/// The word-at-a-time byte classes must agree with the byte-at-a-time definitions everywhere.
@Suite struct ByteScanTests {
    @Test func fieldValueCheckAgreesWithTheByteRuleForEveryByteAtEveryOffset() {
        for bad in 0...255 {
            let byte = UInt8(bad)
            for position in 0..<19 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 19)
                bytes[position] = byte
                let expected = byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
                let got = bytes.withUnsafeBytes { ByteScan.isFieldValue($0, 0..<19) }
                #expect(got == expected, "byte \(byte) at \(position)")
            }
        }
    }

    @Test func fieldValueCheckAgreesOnMixedRandomBytes() {
        var generator = SystemRandomNumberGenerator()
        let pool: [UInt8] = [0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x21, 0x41, 0x7E, 0x7F, 0x80, 0xA0, 0xE9, 0xFF]
        for _ in 0..<2000 {
            let count = Int.random(in: 0..<40, using: &generator)
            let bytes = (0..<count).map { _ in pool.randomElement(using: &generator)! }
            let expected = bytes.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
            #expect(bytes.withUnsafeBytes { ByteScan.isFieldValue($0, 0..<count) } == expected, "\(bytes)")
        }
    }

    @Test func plainTextCheckAgreesWithTheByteRule() {
        var generator = SystemRandomNumberGenerator()
        let pool: [UInt8] = [0x00, 0x09, 0x1F, 0x20, 0x22, 0x41, 0x5C, 0x7E, 0x7F, 0x80, 0xE9, 0xFF]
        for _ in 0..<4000 {
            let count = Int.random(in: 0..<40, using: &generator)
            let bytes = (0..<count).map { _ in pool.randomElement(using: &generator)! }
            for allowHigh in [true, false] {
                let expected = bytes.allSatisfy {
                    $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C && $0 != 0x7F && (allowHigh || $0 < 0x80)
                }
                #expect(
                    bytes.withUnsafeBytes { ByteScan.isPlainText($0, allowHigh: allowHigh) } == expected, "\(bytes)")
            }
        }
    }

    @Test func tokenBytesAreExactlyTchar() {
        let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for byte in 0...255 {
            #expect(ByteScan.isTokenByte(UInt8(byte)) == tchar.contains(UInt8(byte)), "byte \(byte)")
        }
    }

    @Test func indexFindsTheFirstMatchInsideTheRangeOnly() {
        let bytes = Array("ab\ncd\nef".utf8)
        bytes.withUnsafeBytes { raw in
            #expect(ByteScan.index(of: 0x0A, in: raw, from: 0, to: raw.count) == 2)
            #expect(ByteScan.index(of: 0x0A, in: raw, from: 3, to: raw.count) == 5)
            #expect(ByteScan.index(of: 0x0A, in: raw, from: 6, to: raw.count) == nil)
            #expect(ByteScan.index(of: 0x0A, in: raw, from: 3, to: 5) == nil)
        }
    }
}
