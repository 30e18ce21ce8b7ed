import NIOCore
import RESP
import Testing

@Suite("RESP parser")
struct RESPParserTests {
    private func parseAll(_ text: String, limits: RESPParser.Limits = .init()) throws -> [RESPValue] {
        var buffer = ByteBuffer(string: text)
        var out: [RESPValue] = []
        while let value = try RESPParser(limits: limits).next(from: &buffer) { out.append(value) }
        #expect(buffer.readableBytes == 0, "left over: \(String(buffer: buffer))")
        return out
    }

    @Test("every RESP2 type, nested arrays and nulls")
    func types() throws {
        let values = try parseAll(
            "+OK\r\n-ERR no\r\n:-42\r\n$5\r\nhe\r\nl\r\n$0\r\n\r\n$-1\r\n*-1\r\n*2\r\n*1\r\n:1\r\n+x\r\n")
        #expect(
            values == [
                .simpleString(ByteBuffer(string: "OK")), .error(ByteBuffer(string: "ERR no")), .integer(-42),
                .bulkString(ByteBuffer(string: "he\r\nl")), .bulkString(ByteBuffer()), .null, .null,
                .array([.array([.integer(1)]), .simpleString(ByteBuffer(string: "x"))]),
            ])
    }

    @Test("a reply split at every byte boundary parses as in one read")
    func splitEverywhere() throws {
        let wire = Array("*3\r\n$3\r\nabc\r\n:12\r\n*2\r\n+a\r\n$-1\r\n".utf8)
        let whole = try parseAll(String(decoding: wire, as: UTF8.self))
        for cut in 0...wire.count {
            var buffer = ByteBuffer(bytes: wire[..<cut])
            let parser = RESPParser()
            if cut < wire.count {
                #expect(try parser.next(from: &buffer) == nil, "cut \(cut)")
                #expect(buffer.readerIndex == 0, "a partial reply consumes nothing")
            }
            buffer.writeBytes(wire[cut...])
            #expect(try parser.next(from: &buffer) == whole.first, "cut \(cut)")
        }
    }

    @Test(
        "bytes no Redis sends are refused, not waited for",
        arguments: [
            ("?x\r\n", RESPParser.ProtocolError.unknownType(UInt8(ascii: "?"))),
            (":12a\r\n", .badNumber), (":\r\n", .badNumber), (":99999999999999999999\r\n", .badNumber),
            ("$-2\r\n", .badNumber), ("$3\r\nabcXY", .badLineEnd), ("+a\rb\r\n", .badLineEnd),
            ("+a\nb\r\n", .badLineEnd),
            ("*-5\r\n", .badNumber), (":1234567890123456789012345", .badNumber),
        ])
    func refused(input: String, expected: RESPParser.ProtocolError) {
        var buffer = ByteBuffer(string: input)
        #expect(throws: expected) { try RESPParser().next(from: &buffer) }
    }

    @Test("limits bound what a hostile server can make the client hold")
    func limits() throws {
        var limits = RESPParser.Limits()
        limits.maxBulkBytes = 4
        limits.maxArrayCount = 2
        limits.maxDepth = 2
        limits.maxLineBytes = 8
        for (input, error) in [
            ("$5\r\n", RESPParser.ProtocolError.bulkTooLarge), ("*3\r\n", .arrayTooLarge),
            ("*1\r\n*1\r\n*1\r\n:1\r\n", .tooDeep), ("+123456789", .lineTooLong),
        ] {
            var buffer = ByteBuffer(string: input)
            #expect(throws: error, "\(input)") { try RESPParser(limits: limits).next(from: &buffer) }
        }
        // A header claiming a million elements allocates for the bytes present, not the claim.
        var buffer = ByteBuffer(string: "*1000000\r\n:1\r\n")
        #expect(try RESPParser().next(from: &buffer) == nil)
    }

    @Test("commands are encoded as arrays of bulk strings")
    func commandEncoding() {
        var command = RESPCommand("SET", ["k"])
        command.append("v\r\n")
        var out = ByteBuffer()
        command.write(into: &out)
        #expect(String(buffer: out) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv\r\n\r\n")
    }
}
