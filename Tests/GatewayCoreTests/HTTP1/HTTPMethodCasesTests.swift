import NIOHTTP1
import Testing

@testable import GatewayCore

/// The method tests the hot path uses instead of `==` (which compares raw-value strings).
@Suite struct HTTPMethodCasesTests {
    static let methods: [HTTPMethod] = [
        .GET, .PUT, .ACL, .HEAD, .POST, .COPY, .LOCK, .MOVE, .BIND, .LINK, .PATCH, .TRACE, .MKCOL, .MERGE, .PURGE,
        .NOTIFY, .SEARCH, .UNLOCK, .REBIND, .UNBIND, .REPORT, .DELETE, .UNLINK, .CONNECT, .MSEARCH, .OPTIONS,
        .PROPFIND, .CHECKOUT, .PROPPATCH, .SUBSCRIBE, .MKCALENDAR, .MKACTIVITY, .UNSUBSCRIBE, .SOURCE,
        .RAW(value: "QUERY"),
    ]

    @Test("isHEAD and isCONNECT agree with ==")
    func agreeWithEquality() {
        for method in Self.methods {
            #expect(method.isHEAD == (method == .HEAD), "\(method)")
            #expect(method.isCONNECT == (method == .CONNECT), "\(method)")
        }
    }
}
