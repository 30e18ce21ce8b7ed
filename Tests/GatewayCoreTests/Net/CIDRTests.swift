import Testing

@testable import GatewayCore

@Suite("CIDR")
struct CIDRTests {
    func address(_ text: String) -> IPAddress { IPAddress(parsing: text)! }

    @Test func parsesPrefixes() throws {
        let eight = try #require(CIDR(parsing: "10.0.0.0/8"))
        #expect(eight.network == .v4(0x0A00_0000) && eight.prefixLength == 8)
        #expect(CIDR(parsing: "10.1.2.3/8") == eight)  // host bits cleared
        #expect(CIDR(parsing: "192.0.2.7")?.prefixLength == 32)
        #expect(CIDR(parsing: "2001:db8::1")?.prefixLength == 128)
        #expect(CIDR(parsing: "fd12:3456::/8")?.description == "fd00::/8")
        #expect(CIDR(parsing: "0.0.0.0/0")?.description == "0.0.0.0/0")
        #expect(CIDR(parsing: "::/0")?.description == "::/0")
        #expect(CIDR(parsing: "[2001:db8::]/32")?.description == "2001:db8::/32")
        #expect(CIDR(parsing: Substring(" 10.0.0.0/8").dropFirst()) == eight)
    }

    @Test func mappedPrefixesBecomeIPv4() {
        #expect(CIDR(parsing: "::ffff:10.0.0.0/104")?.description == "10.0.0.0/8")
        #expect(CIDR(parsing: "::ffff:192.0.2.1")?.description == "192.0.2.1/32")
        #expect(CIDR(parsing: "::ffff:0:0/96")?.description == "0.0.0.0/0")
        #expect(CIDR(parsing: "::ffff:0:0/95")?.description == "::fffe:0:0/95")  // stays IPv6
    }

    @Test(arguments: [
        "", "/", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0/8/8",
        "10.0.0.0/8 ", "10.0.0.0 /8", "10.0.0/8", "garbage", "garbage/8", "::/129", "::/1280", "fd00::/x",
        "10.0.0.0/1e1",
    ])
    func rejectsGarbage(_ text: String) {
        #expect(CIDR(parsing: text) == nil)
    }

    @Test func containsIPv4() throws {
        let cidr = try #require(CIDR(parsing: "10.0.0.0/8"))
        #expect(cidr.contains(address("10.0.0.0")))
        #expect(cidr.contains(address("10.255.255.255")))
        #expect(!cidr.contains(address("11.0.0.0")))
        #expect(!cidr.contains(address("9.255.255.255")))
        #expect(cidr.contains(address("::ffff:10.1.2.3")))  // mapped compares as IPv4
        #expect(!cidr.contains(address("::a01:203")))  // IPv4-compatible is not mapped
        let host = try #require(CIDR(parsing: "192.0.2.1"))
        #expect(host.contains(address("192.0.2.1")) && !host.contains(address("192.0.2.2")))
        let all = try #require(CIDR(parsing: "0.0.0.0/0"))
        #expect(all.contains(address("1.2.3.4")) && all.contains(address("::ffff:1.2.3.4")))
        #expect(!all.contains(address("2001:db8::1")))
        let odd = try #require(CIDR(parsing: "192.168.1.128/25"))
        #expect(odd.contains(address("192.168.1.200")) && !odd.contains(address("192.168.1.127")))
    }

    @Test func containsIPv6() throws {
        let ula = try #require(CIDR(parsing: "fd00::/8"))
        #expect(ula.contains(address("fd12::1")))
        #expect(ula.contains(address("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")))
        #expect(!ula.contains(address("fe00::")))
        #expect(!ula.contains(address("10.0.0.1")))
        let deep = try #require(CIDR(parsing: "2001:db8:0:0:8000::/65"))
        #expect(deep.contains(address("2001:db8::8000:0:0:1")))
        #expect(!deep.contains(address("2001:db8::7fff:0:0:1")))
        let any = try #require(CIDR(parsing: "::/0"))
        #expect(any.contains(address("::1")) && !any.contains(address("127.0.0.1")))
        #expect(!any.contains(address("::ffff:127.0.0.1")))  // mapped is IPv4
        let one = try #require(CIDR(parsing: "::1"))
        #expect(one.contains(address("::1")) && !one.contains(address("::2")))
    }

    @Test func trustedProxiesMatchAnyPrefix() throws {
        let none = TrustedProxies([])
        #expect(none.isEmpty && !none.contains(address("10.0.0.1")))
        let some = TrustedProxies([try #require(CIDR(parsing: "10.0.0.0/8")), try #require(CIDR(parsing: "fd00::/8"))])
        #expect(!some.isEmpty)
        #expect(
            some.contains(address("10.9.9.9")) && some.contains(address("fd00::9"))
                && some.contains(address("::ffff:10.0.0.1")))
        #expect(!some.contains(address("192.0.2.1")) && !some.contains(address("2001:db8::1")))
    }
}
