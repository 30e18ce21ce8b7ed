import NIOCore
import Testing

@testable import GatewayCore

/// The one pointer-writing type: a short estimate costs a second pass, never memory.
@Suite struct ByteWriterTests {
    @Test(arguments: [0, 1, 7, 63, 64, 65, 4096])
    func anyEstimateGivesTheSameBytes(estimate: Int) {
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        let written = buffer.write(estimate: estimate) { writer in
            writer.put("HTTP/1.1 200 OK\r\n")
            for i in 0..<50 { writer.field("X-\(i)", String(repeating: "v", count: i)) }
            writer.put("\r\n")
        }
        var expected = "HTTP/1.1 200 OK\r\n"
        for i in 0..<50 { expected += "X-\(i): " + String(repeating: "v", count: i) + "\r\n" }
        expected += "\r\n"
        #expect(written == expected.utf8.count)
        #expect(buffer.readString(length: buffer.readableBytes) == expected)
    }

    @Test func appendsAfterWhatTheBufferHolds() {
        var buffer = ByteBufferAllocator().buffer(capacity: 4)
        buffer.writeString("abc")
        buffer.write(estimate: 1) { $0.put("defghijklmnop") }
        #expect(buffer.readString(length: buffer.readableBytes) == "abcdefghijklmnop")
    }

    @Test(arguments: [0, 1, 10, 100])
    func stringsOfAnyEstimate(estimate: Int) {
        let text = String(estimate: estimate) { writer in
            writer.putDecimal(0)
            writer.put(UInt8(ascii: " "))
            writer.putDecimal(UInt64.max)
            writer.put(UInt8(ascii: " "))
            writer.putHex(0xABC, digits: 6)
            writer.put(UInt8(ascii: " "))
            writer.putHex(0)
            writer.put(UInt8(ascii: " "))
            writer.putHex(UInt64.max)
        }
        #expect(text == "0 18446744073709551615 000abc 0 ffffffffffffffff")
    }

    @Test func decimalsMatchTheStandardLibrary() {
        var values: [UInt64] = [0, 9, 10, 99, 100, 101, 999_999, 1_000_000, UInt64(Int64.max), UInt64.max]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1000 { values.append(generator.next() >> UInt64.random(in: 0..<64)) }
        for value in values {
            #expect(String(estimate: 4) { $0.putDecimal(value) } == String(value))
            #expect(String(estimate: 4) { $0.putHex(value) } == String(value, radix: 16))
        }
    }

    @Test func rawBytesAreCopiedAsTheyAre() {
        let bytes: [UInt8] = Array(0...255)
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        bytes.withUnsafeBytes { raw in
            _ = buffer.write(estimate: 3) { writer in
                writer.put(raw)
                writer.put(UnsafeRawBufferPointer(rebasing: raw[0..<0]))
            }
        }
        #expect(buffer.readBytes(length: buffer.readableBytes) == bytes)
    }

    @Test(
        "an array grows by exactly what was written, after what it held, whatever the estimate",
        arguments: [0, 5, 11, 200])
    func arraysGrowByWhatWasWritten(estimate: Int) {
        var bytes = Array("ab".utf8)
        bytes.append(estimate: estimate) { writer in
            writer.put("hello ")
            writer.putDecimal(12345)
        }
        #expect(bytes == Array("abhello 12345".utf8))
    }
}
