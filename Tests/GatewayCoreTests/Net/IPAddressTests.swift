import NIOCore
import Testing

@testable import GatewayCore

@Suite("IPAddress")
struct IPAddressTests {
    /// Input and canonical output (RFC 5952 §4 and §5 examples included).
    static let canonical: [(String, String)] = [
        ("0.0.0.0", "0.0.0.0"),
        ("192.168.0.1", "192.168.0.1"),
        ("255.255.255.255", "255.255.255.255"),
        ("10.0.10.100", "10.0.10.100"),
        ("2001:db8:0:0:0:0:2:1", "2001:db8::2:1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8::0:1", "2001:db8::1"),
        ("2001:db8:0:0:0::1", "2001:db8::1"),
        ("2001:db8:0000:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ("2001:DB8::AAAA:BbBb", "2001:db8::aaaa:bbbb"),
        ("::", "::"),
        ("::1", "::1"),
        ("1::", "1::"),
        ("0:0:0:0:0:0:0:0", "::"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
        ("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"),
        ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ("fe80::", "fe80::"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("::FFFF:c000:0201", "::ffff:192.0.2.1"),
        ("0:0:0:0:0:ffff:1.2.3.4", "::ffff:1.2.3.4"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
        ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),
        ("::1.2.3.4", "::102:304"),
        ("[::1]", "::1"),
        ("[2001:db8::1]", "2001:db8::1"),
    ]

    @Test(arguments: canonical)
    func parsesAndPrintsCanonically(_ pair: (String, String)) throws {
        let address = try #require(IPAddress(parsing: pair.0))
        #expect(address.description == pair.1)
        #expect(IPAddress(parsing: pair.1) == address)
    }

    @Test(arguments: [
        "", " ", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.256", "01.2.3.4", "1.2.3.04", "1..2.3", ".1.2.3", "1.2.3.",
        " 1.2.3.4", "1.2.3.4 ", "+1.2.3.4", "1.2.3.-1", "0x1.2.3.4", "1.2.3.4/8", "1.2.3.4:80", "a.b.c.d", "[1.2.3.4]",
        "1234.1.1.1", "localhost", "unknown",
        ":", ":::", "1:::2", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", ":1::", "1:", "::1:", ":1",
        "g::", "::1.2.3", "::1.2.3.4.5", "1:2:3:4:5:6:7:1.2.3.4", "::256.1.1.1", "::1.2.3.4:5", "1.2.3.4::",
        "1::2:3:4:5:6:7:8", "[::1", "::1]", "[]", "[::1]:80", "fe80::1%eth0", "fe80::1%25eth0", "[fe80::1%eth0]",
        "::ffff:01.2.3.4", " ::1", "::1 ", "0:0:0:0:0:0:0:0:0",
    ])
    func rejectsGarbage(_ text: String) {
        #expect(IPAddress(parsing: text) == nil)
    }

    @Test func storesNumericValues() {
        #expect(IPAddress(parsing: "192.0.2.1") == .v4(0xC000_0201))
        #expect(IPAddress(parsing: "2001:db8::1") == .v6(0x2001_0DB8_0000_0000, 1))
        #expect(IPAddress(parsing: "::ffff:10.1.2.3") == .v6(0, 0xFFFF_0A01_0203))
        #expect(IPAddress(parsing: Substring("x10.0.0.1").dropFirst()) == .v4(0x0A00_0001))
    }

    @Test func unmapsIPv4MappedAddresses() {
        #expect(IPAddress.v6(0, 0xFFFF_0A01_0203).unmappedIPv4 == .v4(0x0A01_0203))
        #expect(IPAddress.v4(7).unmappedIPv4 == .v4(7))
        #expect(IPAddress.v6(0, 1).unmappedIPv4 == .v6(0, 1))
        #expect(IPAddress.v6(1, 0xFFFF_0A01_0203).unmappedIPv4 == .v6(1, 0xFFFF_0A01_0203))
        #expect(IPAddress.v6(0, 0xFFFE_0A01_0203).unmappedIPv4 == .v6(0, 0xFFFE_0A01_0203))
    }

    @Test func readsSocketAddresses() throws {
        #expect(IPAddress(try SocketAddress(ipAddress: "192.0.2.1", port: 8080)) == .v4(0xC000_0201))
        #expect(IPAddress(try SocketAddress(ipAddress: "2001:db8::5", port: 443)) == .v6(0x2001_0DB8_0000_0000, 5))
        #expect(IPAddress(try SocketAddress(ipAddress: "::ffff:1.2.3.4", port: 1)) == .v6(0, 0xFFFF_0102_0304))
        #expect(IPAddress(try SocketAddress(unixDomainSocketPath: "/tmp/x.sock")) == nil)
    }

    /// Random addresses, with zero runs, printed like the C library's
    /// `inet_ntop` (RFC 5952 as well) and parsed back.
    @Test func agreesWithInetNtop() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var groups = (0..<8).map { _ in UInt16.random(in: 0...0xFFFF, using: &generator) }
            for index in groups.indices where Bool.random(using: &generator) { groups[index] = 0 }
            if groups[0] == 0 { groups[0] = 0x2001 }  // keep clear of ::/96 forms libc prints differently
            let high = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
            let low = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
            let address = IPAddress.v6(high, low)
            let text = groups.map { String($0, radix: 16) }.joined(separator: ":")
            let libc = try #require(try SocketAddress(ipAddress: text, port: 0).ipAddress)
            #expect(address.description == libc)
            #expect(IPAddress(parsing: libc) == address)
            #expect(IPAddress(try SocketAddress(ipAddress: text, port: 0)) == address)
        }
        for _ in 0..<500 {
            let value = UInt32.random(in: 0...UInt32.max, using: &generator)
            let address = IPAddress.v4(value)
            let libc = try #require(try SocketAddress(ipAddress: address.description, port: 0).ipAddress)
            #expect(address.description == libc)
            #expect(IPAddress(parsing: libc) == address)
        }
    }
}
