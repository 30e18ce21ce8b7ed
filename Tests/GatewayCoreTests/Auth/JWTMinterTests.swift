import Foundation
import Testing

@testable import GatewayCore

@Suite("JWTMinter")
struct JWTMinterTests {
    let now: Int64 = 1_700_000_000

    /// The payload of a minted token, decoded with Foundation (not our parser).
    func payload(_ token: String) throws -> [String: Any] {
        var part = String(token.split(separator: ".")[1])
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while part.count % 4 != 0 { part += "=" }
        let data = try #require(Data(base64Encoded: part))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func roundTripsThroughTheVerifier() throws {
        let minter = JWTMinter(secret: "s3cret", issuer: "aegis-gateway")
        let token = minter.mint(userID: "user-1", roles: ["admin", "power_user"], ttlSeconds: 86_400, now: now)
        let verifier = JWTVerifier(secret: "s3cret", issuer: "aegis-gateway", leewaySeconds: 0)
        let claims = try verifier.verify(Substring(token), now: Double(now)).get()
        #expect(claims == Claims(userID: "user-1", roles: ["admin", "power_user"], expiresAt: Double(now + 86_400)))
        #expect(verifier.verify(Substring(token), now: Double(now + 86_400)) == .failure(.expired))
        #expect(
            JWTVerifier(secret: "other", issuer: nil, leewaySeconds: 0).verify(Substring(token), now: Double(now))
                == .failure(.signature))
    }

    @Test func writesTheDocumentedHeaderAndClaims() throws {
        let token = JWTMinter(secret: "s", issuer: "aegis-gateway").mint(
            userID: "u", roles: [], ttlSeconds: 60, now: now)
        #expect(token.hasPrefix(JWTFixture.base64url(#"{"alg":"HS256","typ":"JWT"}"#) + "."))
        let claims = try payload(token)
        #expect(claims["user_id"] as? String == "u")
        #expect((claims["roles"] as? [Any])?.isEmpty == true)
        #expect(claims["iss"] as? String == "aegis-gateway")
        #expect((claims["iat"] as? NSNumber)?.int64Value == now)
        #expect((claims["nbf"] as? NSNumber)?.int64Value == now)
        #expect((claims["exp"] as? NSNumber)?.int64Value == now + 60)
        // Signature checked independently of JWTVerifier.
        let input = token.split(separator: ".").prefix(2).joined(separator: ".")
        #expect(String(token.split(separator: ".")[2]) == JWTFixture.hs256(input, secret: "s"))
    }

    @Test func omitsTheIssuerWhenNilOrEmpty() throws {
        for issuer in [nil, ""] as [String?] {
            let token = JWTMinter(secret: "s", issuer: issuer).mint(userID: "u", roles: ["a"], ttlSeconds: 60, now: now)
            #expect(try payload(token)["iss"] == nil)
            #expect(
                (try? JWTVerifier(secret: "s", issuer: nil, leewaySeconds: 0).verify(Substring(token), now: Double(now))
                    .get()) != nil)
            #expect(
                JWTVerifier(secret: "s", issuer: "aegis-gateway", leewaySeconds: 0).verify(
                    Substring(token), now: Double(now)) == .failure(.issuer))
        }
    }

    @Test func escapesStrings() throws {
        let userID = "q\"b\\s/é\u{1F600}"
        let token = JWTMinter(secret: "s", issuer: "i\"ss").mint(userID: userID, roles: ["r"], ttlSeconds: 60, now: now)
        #expect(try payload(token)["user_id"] as? String == userID)
        #expect(try payload(token)["iss"] as? String == "i\"ss")
        let claims = try JWTVerifier(secret: "s", issuer: "i\"ss", leewaySeconds: 0).verify(
            Substring(token), now: Double(now)
        ).get()
        #expect(claims.userID == userID)
        // A control character is escaped, so the JSON parses, and the verifier then refuses it.
        let bad = JWTMinter(secret: "s", issuer: nil).mint(
            userID: "a\r\nb\u{0}\u{85}", roles: [], ttlSeconds: 60, now: now)
        #expect(try payload(bad)["user_id"] as? String == "a\r\nb\u{0}\u{85}")
        #expect(
            JWTVerifier(secret: "s", issuer: nil, leewaySeconds: 0).verify(Substring(bad), now: Double(now))
                == .failure(.claims))
    }

    @Test func saturatesAHugeTTL() throws {
        let token = JWTMinter(secret: "s", issuer: nil).mint(userID: "u", roles: [], ttlSeconds: .max, now: now)
        #expect((try payload(token)["exp"] as? NSNumber)?.int64Value == .max)
    }
}
