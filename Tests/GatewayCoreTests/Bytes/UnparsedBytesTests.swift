import NIOCore
import Testing

@testable import GatewayCore

@Suite struct UnparsedBytesTests {
    @Test("nothing left: the read's own buffer, uncopied")
    func nothingLeftPassesTheReadOn() {
        var unparsed = UnparsedBytes()
        let read = ByteBuffer(string: "GET / HTTP/1.1\r\n")
        let buffer = unparsed.adding(read)
        #expect(buffer == read)
        #expect(buffer.readerIndex == read.readerIndex && buffer.capacity == read.capacity)
    }

    @Test func whatIsLeftComesFirst() {
        var unparsed = UnparsedBytes()
        var first = unparsed.adding(ByteBuffer(string: "GET / HT"))
        first.moveReaderIndex(forwardBy: 4)
        unparsed.keep(first)
        #expect(String(buffer: unparsed.adding(ByteBuffer(string: "TP/1.1"))) == "/ HTTP/1.1")
        #expect(unparsed.takeAll().readableBytes == 0)
    }

    @Test("a stream that never ends a read on a message boundary does not grow the buffer")
    func pipeliningWithoutBoundariesStaysSmall() throws {
        var decoder = HTTP1RequestDecoder()
        var unparsed = UnparsedBytes()
        let stream = Array(String(repeating: "GET /a HTTP/1.1\r\nHost: gw\r\n\r\n", count: 5000).utf8)
        var heads = 0
        var largest = 0
        var offset = 0
        while offset < stream.count {
            let end = min(offset + 97, stream.count)
            var buffer = unparsed.adding(ByteBuffer(bytes: stream[offset..<end]))
            largest = max(largest, buffer.capacity)
            while let part = try decoder.next(&buffer) {
                if case .head = part { heads += 1 }
            }
            unparsed.keep(buffer)
            offset = end
        }
        #expect(heads == 5000)
        #expect(largest < 1024)
    }
}
