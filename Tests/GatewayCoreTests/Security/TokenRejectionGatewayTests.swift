import Crypto
import GatewayCore
import Testing

/// SPEC §6: each class of invalid token, once, through the real gateway. Every variant
/// differs from a valid token in exactly one respect (signatures stay valid HMAC-SHA256
/// unless the signature is the point), so a 401 can only come from that rule.
@Suite("Token rejection end to end")
struct TokenRejectionGatewayTests {
    enum Variant: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case algNoneSigned, algNoneUnsigned, hs384Header, rs256Header, badSignature, expired, noExp
        case futureNbf, futureIat, wrongIssuer, userIDWithCRLF, userIDWithNUL, emptyUserID, roleWithComma
        case roleWithSpace, critHeader, repeatedClaimKey, twoParts, fourParts, over8KiB

        var testDescription: String { rawValue }

        var token: String {
            let now = SecurityTokens.now
            let claims = SecurityTokens.claims()
            switch self {
            case .algNoneSigned:
                return SecurityTokens.token(header: #"{"alg":"none","typ":"JWT"}"#)
            case .algNoneUnsigned:
                let signed = SecurityTokens.token(header: #"{"alg":"none","typ":"JWT"}"#)
                return String(signed[...signed.lastIndex(of: ".")!])
            case .hs384Header:
                return SecurityTokens.token(header: #"{"alg":"HS384","typ":"JWT"}"#)
            case .rs256Header:
                return SecurityTokens.token(header: #"{"alg":"RS256","typ":"JWT"}"#)
            case .badSignature:
                return SecurityTokens.token(secret: TestGateway.secret + "x")
            case .expired:
                return SecurityTokens.token(SecurityTokens.claims(exp: String(now - 30), iat: String(now - 3600)))
            case .noExp:
                return SecurityTokens.token(SecurityTokens.claims(exp: nil))
            case .futureNbf:
                return SecurityTokens.token(SecurityTokens.claims(nbf: String(now + 600)))
            case .futureIat:
                return SecurityTokens.token(SecurityTokens.claims(iat: String(now + 600)))
            case .wrongIssuer:
                return SecurityTokens.token(SecurityTokens.claims(iss: #""someone-else""#))
            case .userIDWithCRLF:
                return SecurityTokens.token(SecurityTokens.claims(userID: #""evil\r\nX-User-Roles: admin""#))
            case .userIDWithNUL:
                return SecurityTokens.token(SecurityTokens.claims(userID: #""evil\u0000""#))
            case .emptyUserID:
                return SecurityTokens.token(SecurityTokens.claims(userID: #""""#))
            case .roleWithComma:
                return SecurityTokens.token(SecurityTokens.claims(roles: #"["user,admin"]"#))
            case .roleWithSpace:
                return SecurityTokens.token(SecurityTokens.claims(roles: #"["user admin"]"#))
            case .critHeader:
                return SecurityTokens.token(header: #"{"alg":"HS256","typ":"JWT","crit":["exp"]}"#)
            case .repeatedClaimKey:
                return SecurityTokens.token(SecurityTokens.claims(extra: [#""user_id":"admin""#]))
            case .twoParts:
                let parts = SecurityTokens.token(claims).split(separator: ".")
                return parts[0] + "." + parts[1]
            case .fourParts:
                return SecurityTokens.token(claims) + ".AAAA"
            case .over8KiB:
                let padding = String(repeating: "p", count: 8 * 1024)
                return SecurityTokens.token(SecurityTokens.claims(extra: [#""pad":"\#(padding)""#]))
            }
        }
    }

    @Test(arguments: Variant.allCases)
    func invalidTokenGets401(_ variant: Variant) async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let token = variant.token
            let viaHeader = try await gateway.fetch(
                "GET", SecurityHarness.protectedPath, headers: [SecurityTokens.bearer(token)])
            GatewayExpect.error(viaHeader, status: 401, code: "unauthorized", "\(variant) via header")
            #expect(viaHeader.headers(named: "WWW-Authenticate") == [#"Bearer error="invalid_token""#])

            let viaCookie = try await gateway.fetch(
                "GET", SecurityHarness.protectedPath, headers: [("Cookie", "aegis_token=" + token)])
            #expect(viaCookie.status == 401, "\(variant) via cookie")
            #expect(upstream.requests.isEmpty)
        }
    }

    /// The control for the variants above: the baseline they are built from is accepted,
    /// and so is a large token that stays under 8 KiB.
    @Test func baselineAndLargeTokensAreAccepted() async throws {
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let baseline = SecurityTokens.token()
            let padding = String(repeating: "p", count: 5 * 1024)
            let large = SecurityTokens.token(SecurityTokens.claims(extra: [#""pad":"\#(padding)""#]))
            #expect(large.utf8.count < 8 * 1024)
            let withLeeway = SecurityTokens.token(
                SecurityTokens.claims(iat: String(SecurityTokens.now), nbf: String(SecurityTokens.now - 1)))
            for (name, token) in [("baseline", baseline), ("large", large), ("nbf/iat now", withLeeway)] {
                let response = try await gateway.fetch(
                    "GET", SecurityHarness.protectedPath, headers: [SecurityTokens.bearer(token)])
                #expect(response.status == 200, "\(name): \(response.bodyString)")
            }
            let recorded = try await upstream.waitForRequests(3)
            #expect(recorded.allSatisfy { $0.headers(named: "X-User-ID") == ["u1"] })
        }
    }

    @Test func properHS384SignedTokenIsRejected() async throws {
        // A genuinely HS384-signed token (not just the header): still not HS256.
        let header = TestTokens.base64URL(Array(#"{"alg":"HS384","typ":"JWT"}"#.utf8))
        let payload = TestTokens.base64URL(Array(SecurityTokens.claims().utf8))
        let mac = HMAC<SHA384>.authenticationCode(
            for: Array("\(header).\(payload)".utf8), using: SymmetricKey(data: Array(TestGateway.secret.utf8)))
        let token = "\(header).\(payload).\(TestTokens.base64URL(Array(mac)))"
        try await TestGateway.withUpstream { (gateway: TestGateway, upstream: TestUpstream) async throws in
            let response = try await gateway.fetch(
                "GET", SecurityHarness.protectedPath, headers: [SecurityTokens.bearer(token)])
            #expect(response.status == 401)
            #expect(upstream.requests.isEmpty)
        }
    }
}
