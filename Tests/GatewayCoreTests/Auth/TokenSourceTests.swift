import NIOHTTP1
import Testing

@testable import GatewayCore

@Suite("TokenSource")
struct TokenSourceTests {
    func extract(_ pairs: [(String, String)]) -> PresentedToken {
        TokenSource.extract(from: HTTPHeaders(pairs))
    }

    @Test func noHeadersMeansNoToken() {
        #expect(extract([]) == .none)
        #expect(extract([("Host", "x"), ("X-API-Key", "key")]) == .none)
    }

    @Test func readsABearerToken() {
        #expect(extract([("Authorization", "Bearer abc.def.ghi")]) == .token("abc.def.ghi"))
        #expect(extract([("authorization", "bEaReR abc")]) == .token("abc"))
        #expect(extract([("AUTHORIZATION", "BEARER    abc  ")]) == .token("abc"))
        #expect(extract([("Authorization", "Bearer\tabc")]) == .token("abc"))
    }

    @Test func bearerHeaderBeatsTheCookie() {
        #expect(
            extract([("Cookie", "aegis_token=fromcookie"), ("Authorization", "Bearer fromheader")])
                == .token("fromheader"))
        // The cookie is not consulted at all, even when it is ambiguous.
        #expect(extract([("Authorization", "Bearer h"), ("Cookie", "aegis_token=a; aegis_token=b")]) == .token("h"))
    }

    @Test func otherSchemesFallBackToTheCookie() {
        #expect(extract([("Authorization", "Basic dXNlcjpwYXNz"), ("Cookie", "aegis_token=c")]) == .token("c"))
        #expect(extract([("Authorization", "Basic dXNlcjpwYXNz")]) == .none)
        #expect(extract([("Authorization", "Bearerabc"), ("Cookie", "aegis_token=c")]) == .token("c"))
        #expect(extract([("Authorization", "Bearer"), ("Cookie", "aegis_token=c")]) == .token("c"))
        #expect(extract([("Authorization", "Bearer   "), ("Cookie", "aegis_token=c")]) == .token("c"))
        #expect(extract([("Authorization", "Token abc")]) == .none)
        #expect(extract([("Authorization", "")]) == .none)
    }

    @Test func twoAuthorizationHeadersAreAmbiguous() {
        #expect(extract([("Authorization", "Bearer a"), ("Authorization", "Bearer a")]) == .ambiguous)
        #expect(extract([("Authorization", "Basic x"), ("authorization", "Bearer a")]) == .ambiguous)
        #expect(
            extract([("Authorization", "Bearer a"), ("Cookie", "aegis_token=c"), ("Authorization", "Basic x")])
                == .ambiguous)
    }

    @Test func readsTheCookieAmongOthers() {
        #expect(extract([("Cookie", "aegis_token=tok")]) == .token("tok"))
        #expect(extract([("Cookie", "a=1; aegis_token=tok; b=2")]) == .token("tok"))
        #expect(extract([("Cookie", "a=1;aegis_token=tok;b=2")]) == .token("tok"))
        #expect(extract([("Cookie", "a=1"), ("cookie", "b=2;  aegis_token=tok  ")]) == .token("tok"))
        #expect(extract([("Cookie", #"aegis_token="tok""#)]) == .token("tok"))
        #expect(extract([("Cookie", "x_aegis_token=no; aegis_token_x=no; AEGIS_TOKEN=no")]) == .none)
        #expect(extract([("Cookie", "aegis_token=a=b")]) == .token("a=b"))
        #expect(extract([("Cookie", "aegis_token")]) == .none)
    }

    @Test func twoTokenCookiesAreAmbiguous() {
        #expect(extract([("Cookie", "aegis_token=a; aegis_token=b")]) == .ambiguous)
        #expect(extract([("Cookie", "aegis_token=a; aegis_token=a")]) == .ambiguous)
        #expect(extract([("Cookie", "aegis_token=a"), ("Cookie", "other=1; aegis_token=b")]) == .ambiguous)
        #expect(extract([("Cookie", "aegis_token=; aegis_token=b")]) == .ambiguous)
    }

    @Test func emptyValuesAreNoToken() {
        #expect(extract([("Cookie", "aegis_token=")]) == .none)
        #expect(extract([("Cookie", "aegis_token=  ; a=1")]) == .none)
        #expect(extract([("Cookie", #"aegis_token="""#)]) == .none)
        #expect(extract([("Cookie", "")]) == .none)
    }
}

@Suite("VerifiedTokenCache")
struct VerifiedTokenCacheTests {
    let claims = Claims(userID: "u", roles: ["admin"], expiresAt: 100)

    @Test func returnsClaimsUntilExpiry() {
        let cache = VerifiedTokenCache(capacity: 10)
        cache.insert("tok", claims)
        #expect(cache.claims(for: "tok", now: 50) == claims)
        #expect(cache.claims(for: "tok", now: 99.999) == claims)
        #expect(cache.claims(for: "tok", now: 100) == nil)
        #expect(cache.count == 0)
        #expect(cache.claims(for: "tok", now: 50) == nil)
    }

    @Test func matchesOnlyTheWholeToken() {
        let cache = VerifiedTokenCache(capacity: 10)
        let header = "Bearer abc.def.ghi"
        cache.insert(header.dropFirst(7), claims)
        #expect(cache.claims(for: "abc.def.ghi", now: 0) == claims)
        #expect(cache.claims(for: "abc.def.gh", now: 0) == nil)
        #expect(cache.claims(for: "abc.def.ghi ", now: 0) == nil)
        #expect(cache.claims(for: "x abc.def.ghi".dropFirst(2), now: 0) == claims)
    }

    @Test func canonicallyEquivalentTextIsAnotherToken() {
        // `K` and U+212A KELVIN SIGN are equal as Swift strings; as tokens they are other bytes.
        let cache = VerifiedTokenCache(capacity: 10)
        cache.insert("abc.K.ghi", claims)
        #expect(Substring("abc.\u{212A}.ghi") == Substring("abc.K.ghi"))
        #expect(cache.claims(for: "abc.\u{212A}.ghi", now: 0) == nil)
        #expect(cache.claims(for: "abc.K.ghi", now: 0) == claims)
        // Also when the last-token fast path holds the ASCII one.
        #expect(cache.claims(for: "abc.\u{212A}.ghi", now: 0) == nil)
        // And the composed and decomposed forms of é are two tokens.
        cache.insert("e\u{301}", claims)
        #expect(cache.claims(for: "\u{E9}", now: 0) == nil)
    }

    @Test func staysWithinCapacity() {
        let cache = VerifiedTokenCache(capacity: 64)
        for i in 0..<10_000 {
            cache.insert(Substring("token-\(i)"), claims)
            #expect(cache.count <= 64)
        }
        // The newest entry always survives its own insertion.
        #expect(cache.claims(for: "token-9999", now: 0) == claims)
        // Re-inserting a present key does not evict.
        let before = cache.count
        cache.insert("token-9999", claims)
        #expect(cache.count == before)
    }
}
