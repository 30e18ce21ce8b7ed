/// A request's id (SPEC §10): the client's `X-Request-ID` when usable, else a random UUID.
///
/// A minted id stays its 128 bits until it is written: the id is copied into the exchange, both
/// heads and the log record, and as a `String` each copy cost a reference count (and the id an
/// allocation).
public struct RequestID: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    enum Storage: Sendable, Hashable {
        /// A version 4 UUID's bits.
        case minted(high: UInt64, low: UInt64)
        /// The client's id, already checked by `RequestIDGenerator.acceptable`.
        case given(String)
    }

    let storage: Storage

    init(minted high: UInt64, low: UInt64) { storage = .minted(high: high, low: low) }

    public init(_ text: String) { storage = .given(text) }

    public init(stringLiteral text: String) { self.init(text) }

    /// Length of the id's text in bytes.
    var utf8Count: Int {
        switch storage {
        case .minted: 36
        case .given(let text): text.utf8.count
        }
    }

    /// Whether the id needs no escaping in a quoted log value (`ByteScan.isPlainText`'s rule). A
    /// minted id never does.
    var isPlainText: Bool {
        switch storage {
        case .minted: true
        case .given(let text):
            text.utf8.withContiguousStorageIfAvailable {
                ByteScan.isPlainText(UnsafeRawBufferPointer($0), allowHigh: false)
            } ?? false
        }
    }

    func write(into writer: inout ByteWriter) {
        switch storage {
        case .minted(let high, let low):
            writer.putHex(high >> 32, digits: 8)
            writer.put(UInt8(ascii: "-"))
            writer.putHex(high >> 16, digits: 4)
            writer.put(UInt8(ascii: "-"))
            writer.putHex(high, digits: 4)
            writer.put(UInt8(ascii: "-"))
            writer.putHex(low >> 48, digits: 4)
            writer.put(UInt8(ascii: "-"))
            writer.putHex(low, digits: 12)
        case .given(let text):
            writer.put(text)
        }
    }

    public var description: String {
        switch storage {
        case .minted: String(estimate: 36) { write(into: &$0) }
        case .given(let text): text
        }
    }
}

extension ByteWriter {
    /// One `name: id` line.
    mutating func field(_ name: StaticString, _ id: RequestID) {
        put(name)
        put(": ")
        id.write(into: &self)
        put("\r\n")
    }
}
