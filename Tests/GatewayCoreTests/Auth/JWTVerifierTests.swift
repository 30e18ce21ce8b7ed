import Crypto
import Foundation
import Testing

@testable import GatewayCore

@Suite("JWTVerifier")
struct JWTVerifierTests {
    typealias F = JWTFixture
    let verifier = JWTVerifier(secret: F.secret, issuer: F.issuer, leewaySeconds: 0)

    func verify(_ token: String, now: Double = F.now, with verifier: JWTVerifier? = nil) -> Result<Claims, AuthFailure>
    {
        (verifier ?? self.verifier).verify(Substring(token), now: now)
    }

    func failure(_ token: String, now: Double = F.now, with verifier: JWTVerifier? = nil) -> AuthFailure? {
        if case .failure(let reason) = verify(token, now: now, with: verifier) { return reason }
        return nil
    }

    func failure(payload: String) -> AuthFailure? {
        failure(F.token(payload: payload))
    }

    // MARK: acceptance

    @Test func acceptsAGoodToken() throws {
        let claims = try verify(F.token(payload: F.claims())).get()
        #expect(claims == Claims(userID: "user-42", roles: ["admin", "power_user"], expiresAt: 1_700_003_600))
        #expect(claims.rolesHeaderValue == "admin,power_user")
    }

    @Test func acceptsWithoutRolesAndWithEmptyRoles() throws {
        let none = try verify(F.token(payload: F.claims(roles: nil))).get()
        #expect(none.roles.isEmpty && none.rolesHeaderValue == "")
        let empty = try verify(F.token(payload: F.claims(roles: "[]"))).get()
        #expect(empty.roles.isEmpty)
    }

    @Test func acceptsDecimalAndExponentNumbers() throws {
        let claims = try verify(F.token(payload: F.claims(exp: "1.7000036E9", iat: "169999900e1", nbf: "1699999999.5")))
            .get()
        #expect(claims.expiresAt == 1_700_003_600)
    }

    @Test func ignoresKeyReferencesAndTyp() throws {
        let header =
            #"{"typ":"at+jwt","alg":"HS256","kid":"other","jku":"https://evil.example/jwks","jwk":{"kty":"oct","k":"AAAA"},"x5u":"https://evil.example/x"}"#
        _ = try verify(F.token(header: header, payload: F.claims())).get()
        let noTyp = #"{"alg":"HS256"}"#
        _ = try verify(F.token(header: noTyp, payload: F.claims())).get()
    }

    @Test func acceptsUnicodeUserIDsAndBoundaryLengths() throws {
        let max = String(repeating: "é", count: 256)
        #expect(try verify(F.token(payload: F.claims(userID: "\"\(max)\""))).get().userID == max)
        let emoji = String(repeating: "\u{1F600}", count: 256)
        #expect(try verify(F.token(payload: F.claims(userID: "\"\(emoji)\""))).get().userID == emoji)
        let escaped = try verify(F.token(payload: F.claims(userID: #""Jos\u00e9 \"Q\" \ud83d\ude00""#))).get()
        #expect(escaped.userID == "José \"Q\" \u{1F600}")
        let role = String(repeating: "r", count: 64)
        #expect(
            try verify(F.token(payload: F.claims(roles: "[\"\(role)\",\"a.b_c:d-E9\"]"))).get().roles == [
                role, "a.b_c:d-E9",
            ])
    }

    @Test func acceptsATokenJustUnderTheSizeLimit() throws {
        let base = F.token(payload: F.claims(extra: [#""pad":"""#]))
        let padding = String(repeating: "x", count: (JWTVerifier.maxTokenBytes - base.utf8.count) * 3 / 4 - 2)
        let token = F.token(payload: F.claims(extra: ["\"pad\":\"\(padding)\""]))
        #expect(token.utf8.count <= JWTVerifier.maxTokenBytes)
        #expect(token.utf8.count > JWTVerifier.maxTokenBytes - 8)
        _ = try verify(token).get()
    }

    // MARK: size and shape

    @Test func rejectsOversizedTokensBeforeAnythingElse() {
        let token = F.token(payload: F.claims(extra: ["\"pad\":\"\(String(repeating: "x", count: 6200))\""]))
        #expect(token.utf8.count > 8192)
        #expect(failure(token) == .tooLarge)
        #expect(failure(String(repeating: "!", count: 8193)) == .tooLarge)
        #expect(failure(String(repeating: "!", count: 8192)) == .malformed)
    }

    @Test(arguments: [
        "", ".", "..", "...", "abc", "abc.def", "a.b.c.d",
        "eyJhbGciOiJIUzI1NiJ9.e30", "eyJhbGciOiJIUzI1NiJ9.e30.sig.extra",
    ])
    func rejectsWrongPartCounts(_ token: String) {
        #expect(failure(token) == .malformed)
    }

    @Test func rejectsTwoAndFourPartsOfAnOtherwiseGoodToken() {
        let good = F.token(payload: F.claims())
        let parts = good.split(separator: ".", omittingEmptySubsequences: false)
        #expect(failure(parts[0] + "." + parts[1]) == .malformed)
        #expect(failure(good + "." + parts[2]) == .malformed)
        #expect(failure(good + ".") == .malformed)
    }

    @Test func rejectsBadBase64() {
        let good = F.token(payload: F.claims())
        let parts = good.split(separator: ".").map(String.init)
        let header = parts[0]
        let payload = parts[1]
        let signature = parts[2]
        // Standard-alphabet characters, padding, white space, junk.
        #expect(failure(header + "=." + payload + "." + signature) == .malformed)
        #expect(failure(header + "." + payload + "." + signature + "=") == .malformed)
        #expect(
            failure(header.replacingOccurrences(of: "J", with: "+") + "." + payload + "." + signature) == .malformed)
        #expect(failure(header + "." + payload + "/." + signature) == .malformed)
        #expect(failure(" " + good) == .malformed)
        #expect(failure(good + " ") == .malformed)
        #expect(failure(header + ".*" + payload + "." + signature) == .malformed)
        // 4n+1 characters can never be base64.
        #expect(failure(header + "." + payload + "A." + signature) == .malformed)
    }

    @Test func rejectsNonCanonicalBase64InTheSignature() {
        let good = F.token(payload: F.claims())
        // 32 bytes -> 43 characters, the last carrying 2 unused bits.
        let last = good.last!
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let value = alphabet.firstIndex(of: last)!
        #expect(value & 0b11 == 0)
        let twin = String(good.dropLast()) + String(alphabet[value | 1])
        #expect(failure(twin) == .malformed)
    }

    @Test func rejectsHeaderOrPayloadThatIsNotAJSONObject() {
        let cases: [(String, String)] = [
            ("not json", F.claims()),
            (#"["alg","HS256"]"#, F.claims()),
            (#""HS256""#, F.claims()),
            (F.standardHeader, "[]"),
            (F.standardHeader, #""user""#),
            (F.standardHeader, "null"),
            (F.standardHeader, F.claims() + "x"),
            (F.standardHeader, F.claims() + "{}"),
            (F.standardHeader, String(F.claims().dropLast())),
            (F.standardHeader, F.claims(extra: [#""x":01"#])),
            (F.standardHeader, F.claims(extra: [#""x":'a'"#])),
            (F.standardHeader, F.claims(extra: [#""x":"\x""#])),
            (F.standardHeader, F.claims(extra: [#""x":"\ud800""#])),
            (F.standardHeader, F.claims(extra: [#""x":1e999"#])),
            (
                F.standardHeader,
                F.claims(extra: ["\"x\":" + String(repeating: "[", count: 40) + String(repeating: "]", count: 40)])
            ),
            (F.standardHeader + " x", F.claims()),
        ]
        for (header, payload) in cases {
            #expect(failure(F.token(header: header, payload: payload)) == .malformed, "\(header) \(payload)")
        }
        // Bytes that are not UTF-8.
        let input = F.base64url(F.standardHeader) + "." + F.base64url([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])
        #expect(failure(input + "." + F.hs256(input)) == .malformed)
    }

    // MARK: algorithm and signature

    @Test(arguments: ["none", "None", "HS384", "HS512", "RS256", "ES256", "PS256", "EdDSA", "hs256", "HS256 ", ""])
    func rejectsEveryOtherAlgorithm(_ alg: String) {
        let header = #"{"alg":"\#(alg)","typ":"JWT"}"#
        #expect(failure(F.token(header: header, payload: F.claims())) == .algorithm)
        // Unsigned, as an `alg: none` attacker would send it.
        let unsigned = F.base64url(header) + "." + F.base64url(F.claims()) + "."
        #expect(failure(unsigned) == .algorithm)
    }

    @Test func rejectsMissingOrNonStringAlgorithm() {
        for header in [#"{"typ":"JWT"}"#, #"{"alg":null}"#, #"{"alg":256}"#, #"{"alg":["HS256"]}"#, "{}"] {
            #expect(failure(F.token(header: header, payload: F.claims())) == .algorithm, "\(header)")
        }
    }

    @Test func rejectsTokensSignedWithHS384OrHS512Keys() {
        let header = #"{"alg":"HS384"}"#
        let input = F.base64url(header) + "." + F.base64url(F.claims())
        let mac = HMAC<SHA384>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(F.secret.utf8)))
        #expect(failure(input + "." + F.base64url(Array(mac))) == .algorithm)
        // HS512 MAC under an HS256 header: wrong length, wrong value.
        let input256 = F.base64url(F.standardHeader) + "." + F.base64url(F.claims())
        let mac512 = HMAC<SHA512>.authenticationCode(
            for: Data(input256.utf8), using: SymmetricKey(data: Data(F.secret.utf8)))
        #expect(failure(input256 + "." + F.base64url(Array(mac512))) == .signature)
    }

    @Test func rejectsBadSignatures() {
        let good = F.token(payload: F.claims())
        #expect(failure(F.token(payload: F.claims(), secret: "wrong-secret")) == .signature)
        #expect(failure(F.token(payload: F.claims(), secret: "")) == .signature)
        // One flipped bit in the first signature byte.
        let parts = good.split(separator: ".").map(String.init)
        var signature = Array(
            Data(
                base64Encoded: parts[2].replacingOccurrences(of: "-", with: "+").replacingOccurrences(
                    of: "_", with: "/") + "=")!)
        signature[0] ^= 1
        #expect(failure(parts[0] + "." + parts[1] + "." + F.base64url(signature)) == .signature)
        // Truncated, empty, or over a different payload.
        #expect(failure(parts[0] + "." + parts[1] + "." + F.base64url(signature.prefix(16))) == .signature)
        #expect(failure(parts[0] + "." + parts[1] + ".") == .signature)
        let other = F.base64url(F.claims(userID: #""admin""#))
        #expect(failure(parts[0] + "." + other + "." + parts[2]) == .signature)
    }

    @Test func rejectsCritInTheHeader() {
        for header in [
            #"{"alg":"HS256","crit":["exp"],"exp":1}"#, #"{"alg":"HS256","crit":[]}"#, #"{"crit":null,"alg":"HS256"}"#,
        ] {
            #expect(failure(F.token(header: header, payload: F.claims())) == .claims, "\(header)")
        }
    }

    // MARK: repeated keys

    @Test func rejectsRepeatedKeys() {
        let cases: [(String, String)] = [
            (F.standardHeader, F.claims(extra: [#""user_id":"admin""#])),
            (F.standardHeader, F.claims(extra: [#""user\u005fid":"admin""#])),
            (F.standardHeader, F.claims(extra: [#""exp":9999999999"#])),
            (F.standardHeader, F.claims(extra: [#""other":{"a":1,"a":2}"#])),
            (#"{"alg":"HS256","alg":"HS256"}"#, F.claims()),
            (#"{"alg":"none","alg":"HS256"}"#, F.claims()),
        ]
        for (header, payload) in cases {
            #expect(failure(F.token(header: header, payload: payload)) == .claims, "\(header) \(payload)")
        }
    }

    @Test func rejectsRepeatedKeysInLargeObjects() {
        let many = (0..<40).map { #""k\#($0)":\#($0)"# } + [#""k7":1"#]
        #expect(failure(payload: F.claims(extra: many)) == .claims)
        let distinct = (0..<40).map { #""k\#($0)":\#($0)"# }
        #expect((try? verify(F.token(payload: F.claims(extra: distinct))).get()) != nil)
    }

    // MARK: time

    @Test func rejectsMissingOrPastExpiry() {
        #expect(failure(payload: F.claims(exp: nil)) == .expired)
        #expect(failure(payload: F.claims(exp: "1699999999")) == .expired)
        #expect(failure(payload: F.claims(exp: "1700000000")) == .expired)  // exp == now
        #expect(failure(payload: F.claims(exp: "0")) == .expired)
        #expect(failure(payload: F.claims(exp: "-1e300")) == .expired)
        #expect((try? verify(F.token(payload: F.claims(exp: "1700000001"))).get()) != nil)
        #expect((try? verify(F.token(payload: F.claims(exp: "1700000000.5"))).get()) != nil)
    }

    @Test func nonNumericExpiryIsAClaimsFailure() {
        for exp in [#""1700003600""#, "null", "true", "[1700003600]", "{}"] {
            #expect(failure(payload: F.claims(exp: exp)) == .claims, "\(exp)")
        }
    }

    @Test func rejectsFutureNotBeforeAndIssuedAt() {
        #expect(failure(payload: F.claims(nbf: "1700000001")) == .notYetValid)
        #expect(failure(payload: F.claims(iat: "1700000001")) == .notYetValid)
        #expect(failure(payload: F.claims(iat: "1700000000.001")) == .notYetValid)
        #expect((try? verify(F.token(payload: F.claims(iat: "1700000000", nbf: "1700000000"))).get()) != nil)
        #expect((try? verify(F.token(payload: F.claims(iat: nil, nbf: nil))).get()) != nil)
        #expect(failure(payload: F.claims(nbf: #""now""#)) == .claims)
        #expect(failure(payload: F.claims(iat: "null")) == .claims)
    }

    @Test func leewayAppliesToEveryTimeClaim() throws {
        let lenient = JWTVerifier(secret: F.secret, issuer: F.issuer, leewaySeconds: 30)
        // exp 20 s ago: inside the leeway, and the cache deadline moves with it.
        let late = try verify(F.token(payload: F.claims(exp: "1699999980")), with: lenient).get()
        #expect(late.expiresAt == 1_700_000_010)
        #expect(failure(F.token(payload: F.claims(exp: "1699999970")), with: lenient) == .expired)
        #expect((try? verify(F.token(payload: F.claims(nbf: "1700000030")), with: lenient).get()) != nil)
        #expect(failure(F.token(payload: F.claims(nbf: "1700000031")), with: lenient) == .notYetValid)
        #expect((try? verify(F.token(payload: F.claims(iat: "1700000030")), with: lenient).get()) != nil)
        #expect(failure(F.token(payload: F.claims(iat: "1700000031")), with: lenient) == .notYetValid)
        // Without leeway the same tokens fail.
        #expect(failure(payload: F.claims(exp: "1699999980")) == .expired)
        #expect(failure(payload: F.claims(nbf: "1700000030")) == .notYetValid)
    }

    // MARK: issuer

    @Test func rejectsWrongOrMissingIssuer() {
        #expect(failure(payload: F.claims(iss: #""someone-else""#)) == .issuer)
        #expect(failure(payload: F.claims(iss: #""aegis-gateway ""#)) == .issuer)
        #expect(failure(payload: F.claims(iss: #""AEGIS-GATEWAY""#)) == .issuer)
        #expect(failure(payload: F.claims(iss: nil)) == .issuer)
        #expect(failure(payload: F.claims(iss: "null")) == .issuer)
        #expect(failure(payload: F.claims(iss: #"["aegis-gateway"]"#)) == .issuer)
    }

    @Test func issuerComparesBytesNotCanonicalEquivalence() {
        let composed = JWTVerifier(secret: F.secret, issuer: "caf\u{E9}", leewaySeconds: 0)
        #expect((try? verify(F.token(payload: F.claims(iss: #""caf\u00e9""#)), with: composed).get()) != nil)
        #expect(failure(F.token(payload: F.claims(iss: #""cafe\u0301""#)), with: composed) == .issuer)
    }

    @Test func nilOrEmptyIssuerDisablesTheCheck() {
        for issuer in [nil, ""] as [String?] {
            let open = JWTVerifier(secret: F.secret, issuer: issuer, leewaySeconds: 0)
            for iss in [#""someone-else""#, nil, "42"] as [String?] {
                #expect((try? verify(F.token(payload: F.claims(iss: iss)), with: open).get()) != nil)
            }
        }
    }

    // MARK: user_id

    @Test(
        arguments: [
            nil, #""""#, "42", "null", "true", #"["u"]"#, #"{"id":"u"}"#,
            #""a\u0000b""#, #""\u001f""#, #""a\nb""#, #""a\r\nX-Admin: 1""#, #""tab\there""#,
            #""del\u007f""#, #""nel\u0085""#, #""c1\u009f""#, #""c1\u0080""#,
        ] as [String?])
    func rejectsBadUserIDs(_ userID: String?) {
        #expect(failure(payload: F.claims(userID: userID)) == .claims)
    }

    @Test func rejectsUserIDsOver256Characters() {
        #expect(failure(payload: F.claims(userID: "\"\(String(repeating: "a", count: 257))\"")) == .claims)
        #expect(failure(payload: F.claims(userID: "\"\(String(repeating: "\u{1F600}", count: 257))\"")) == .claims)
    }

    @Test func acceptsCharactersJustOutsideTheControlRanges() throws {
        #expect(try verify(F.token(payload: F.claims(userID: #"" \u007e\u00a0""#))).get().userID == " ~\u{A0}")
    }

    // MARK: roles

    @Test(arguments: [
        #""admin""#, "null", "{}", "42",
        #"["a,b"]"#, #"["a b"]"#, #"["a\nb"]"#, #"["a\r\nb"]"#, #"[""]"#, #"["admin",""]"#,
        #"["é"]"#, #"["a/b"]"#, #"["a;b"]"#, #"["a\u0000"]"#, #"[1]"#, #"[null]"#, #"[["admin"]]"#,
        "[\"" + String(repeating: "r", count: 65) + "\"]",
    ])
    func rejectsBadRoles(_ roles: String) {
        #expect(failure(payload: F.claims(roles: roles)) == .claims)
    }

    @Test func failureRawValuesAreMetricLabels() {
        #expect(
            AuthFailure.allCases.map(\.rawValue) == [
                "malformed", "algorithm", "signature", "expired", "not_yet_valid", "issuer", "claims", "too_large",
                "ambiguous",
                "missing",
            ])
    }
}
