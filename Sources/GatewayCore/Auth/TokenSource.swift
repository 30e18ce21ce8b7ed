public import NIOHTTP1

/// What a request presents as its token (SPEC §6).
public enum PresentedToken: Sendable, Equatable {
    /// No token: the request is anonymous.
    case none
    /// One token, a slice of the header it came from.
    case token(Substring)
    /// Two Authorization headers or two `aegis_token` cookies: the request's
    /// token is invalid, whichever copy would verify.
    case ambiguous
}

/// Finds the token of a request: `Authorization: Bearer`, else the
/// `aegis_token` cookie.
///
/// Choices where SPEC §6 is silent: `Bearer` with nothing after it is no
/// token (the cookie is then used, as for another scheme); the scheme is
/// followed by one or more spaces or tabs; a cookie value wrapped in double
/// quotes (RFC 6265 allows it) is unwrapped; cookie names are
/// case-sensitive; an empty `aegis_token=` still counts toward the
/// two-cookie rule but is itself no token.
public enum TokenSource {
    static let cookieName = "aegis_token"

    public static func extract(from headers: HTTPHeaders) -> PresentedToken {
        extract(from: RequestHeadFacts(headers))
    }

    /// The token of a request whose fields `facts` gathered (Authorization, Cookie).
    public static func extract(from facts: borrowing RequestHeadFacts) -> PresentedToken {
        if facts.authorization.count > 1 { return .ambiguous }
        if let authorization = facts.authorization.first, let token = bearerToken(authorization) {
            return .token(token)
        }

        var found: Substring?
        var count = 0
        for value in facts.cookies {
            for pair in value.split(separator: ";", omittingEmptySubsequences: true) {
                guard let (cookie, cookieValue) = cookiePair(pair), cookie == cookieName else { continue }
                count += 1
                if count > 1 { return .ambiguous }
                found = cookieValue
            }
        }
        if let found, !found.isEmpty { return .token(found) }
        return .none
    }

    /// The token after `Bearer ` (scheme case-insensitive), or `nil` for
    /// another scheme or an empty token.
    static func bearerToken(_ value: String) -> Substring? {
        let utf8 = value.utf8
        let scheme = "bearer".utf8
        guard utf8.count > scheme.count else { return nil }
        var index = utf8.startIndex
        for expected in scheme {
            guard utf8[index] | 0x20 == expected else { return nil }
            index = utf8.index(after: index)
        }
        guard isBlank(utf8[index]) else { return nil }
        while index < utf8.endIndex, isBlank(utf8[index]) { index = utf8.index(after: index) }
        var end = utf8.endIndex
        while end > index, isBlank(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        guard index < end else { return nil }
        return value[index..<end]
    }

    /// `name=value` with surrounding blanks removed; `nil` without `=`.
    static func cookiePair(_ pair: Substring) -> (name: Substring, value: Substring)? {
        guard let equals = pair.utf8.firstIndex(of: UInt8(ascii: "=")) else { return nil }
        let name = trimmed(pair[..<equals])
        var value = trimmed(pair[pair.utf8.index(after: equals)...])
        if value.utf8.count >= 2, value.utf8.first == UInt8(ascii: "\""), value.utf8.last == UInt8(ascii: "\"") {
            value = value.dropFirst().dropLast()
        }
        return (name, value)
    }

    static func trimmed(_ text: Substring) -> Substring {
        var start = text.utf8.startIndex
        var end = text.utf8.endIndex
        while start < end, isBlank(text.utf8[start]) { start = text.utf8.index(after: start) }
        while end > start, isBlank(text.utf8[text.utf8.index(before: end)]) { end = text.utf8.index(before: end) }
        return text[start..<end]
    }

    @inline(__always)
    static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
