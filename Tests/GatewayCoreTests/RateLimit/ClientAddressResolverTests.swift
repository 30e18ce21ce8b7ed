import Testing

@testable import GatewayCore

@Suite("ClientAddressResolver")
struct ClientAddressResolverTests {
    let resolver = ClientAddressResolver(
        trusted: TrustedProxies(
            ["10.0.0.0/8", "fd00::/8", "192.0.2.10"].map { CIDR(parsing: $0)! }))

    func ip(_ text: String) -> IPAddress { IPAddress(parsing: text)! }

    func resolve(peer: String, _ lines: [String]) -> String {
        resolver.resolve(peer: ip(peer), forwardedFor: lines.map { Substring($0) }).description
    }

    @Test func untrustedPeerIgnoresForwardedFor() {
        #expect(resolve(peer: "203.0.113.9", ["1.1.1.1"]) == "203.0.113.9")
        #expect(resolve(peer: "203.0.113.9", []) == "203.0.113.9")
        #expect(resolve(peer: "2001:db8::1", ["1.1.1.1"]) == "2001:db8::1")
        let nothingTrusted = ClientAddressResolver(trusted: TrustedProxies([]))
        #expect(nothingTrusted.resolve(peer: ip("10.0.0.1"), forwardedFor: ["1.1.1.1"]).description == "10.0.0.1")
    }

    @Test func trustedPeerWithoutHeaderIsTheClient() {
        #expect(resolve(peer: "10.0.0.1", []) == "10.0.0.1")
        #expect(resolve(peer: "10.0.0.1", [""]) == "10.0.0.1")
        #expect(resolve(peer: "10.0.0.1", [" , ,"]) == "10.0.0.1")
    }

    @Test func walksFromTheRightSkippingTrustedHops() {
        #expect(resolve(peer: "10.0.0.1", ["198.51.100.7"]) == "198.51.100.7")
        #expect(resolve(peer: "10.0.0.1", ["6.6.6.6, 198.51.100.7, 10.0.0.2, 192.0.2.10"]) == "198.51.100.7")
        #expect(resolve(peer: "10.0.0.1", ["6.6.6.6,198.51.100.7,10.0.0.2"]) == "198.51.100.7")
        #expect(resolve(peer: "fd00::1", ["2001:db8::7, fd00::2"]) == "2001:db8::7")
        // A client-forged left part never wins over the real right-most untrusted hop.
        #expect(resolve(peer: "10.0.0.1", ["10.0.0.99, 198.51.100.7"]) == "198.51.100.7")
    }

    @Test func joinsMultipleLinesInOrder() {
        #expect(resolve(peer: "10.0.0.1", ["6.6.6.6", "198.51.100.7, 10.0.0.3", "10.0.0.2"]) == "198.51.100.7")
        #expect(resolve(peer: "10.0.0.1", ["198.51.100.7", "6.6.6.6"]) == "6.6.6.6")
        #expect(resolve(peer: "10.0.0.1", ["198.51.100.7,", "10.0.0.2"]) == "198.51.100.7")
    }

    @Test func stopsAtAnUnparseableEntry() {
        // The hop to the right of the garbage is taken.
        #expect(resolve(peer: "10.0.0.1", ["6.6.6.6, garbage, 10.0.0.2"]) == "10.0.0.2")
        #expect(resolve(peer: "10.0.0.1", ["6.6.6.6, unknown"]) == "10.0.0.1")
        #expect(resolve(peer: "10.0.0.1", ["6.6.6.6", "999.1.1.1", "10.0.0.5, 10.0.0.2"]) == "10.0.0.5")
        #expect(resolve(peer: "10.0.0.1", ["1.2.3.4:99999"]) == "10.0.0.1")
        #expect(resolve(peer: "10.0.0.1", ["[::1]:x"]) == "10.0.0.1")
    }

    @Test func allTrustedTakesTheLeftMost() {
        #expect(resolve(peer: "10.0.0.1", ["10.0.0.4, 10.0.0.3", "192.0.2.10"]) == "10.0.0.4")
        #expect(resolve(peer: "10.0.0.1", ["fd00::5, 10.0.0.2"]) == "fd00::5")
    }

    @Test func stripsPorts() {
        #expect(resolve(peer: "10.0.0.1", ["198.51.100.7:5678"]) == "198.51.100.7")
        #expect(resolve(peer: "10.0.0.1", ["[2001:db8::7]:443"]) == "2001:db8::7")
        #expect(resolve(peer: "10.0.0.1", ["[2001:db8::7]"]) == "2001:db8::7")
        #expect(resolve(peer: "10.0.0.1", ["198.51.100.7, 10.0.0.2:80"]) == "198.51.100.7")
    }

    @Test func mappedAddressesComeOutAsIPv4() {
        #expect(resolve(peer: "::ffff:10.0.0.1", ["::ffff:198.51.100.7"]) == "198.51.100.7")
        #expect(resolve(peer: "::ffff:203.0.113.9", ["1.1.1.1"]) == "203.0.113.9")
        #expect(resolve(peer: "::ffff:10.0.0.1", ["::ffff:10.0.0.2"]) == "10.0.0.2")
    }
}
