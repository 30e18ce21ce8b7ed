import NIOHTTP1

/// Message-framing checks of SPEC §10 on a head's fields; each closes the connection.
///
/// `RequestHeadParser` applies the same rules to HTTP/1.1 bytes before a head exists; this is
/// the check for every head, HTTP/2's included.
enum FramingRules {
    static func violation(in facts: borrowing RequestHeadFacts) -> HygieneViolation? {
        let length = facts.contentLength
        let encoding = facts.transferEncoding
        if !length.isEmpty && !encoding.isEmpty { return .bothLengths }
        if !encoding.isEmpty {
            // "gzip, chunked" on one line counts as two codings.
            guard let value = encoding.single,
                HeaderNames.equals(String(Substring(value).trimmingASCIISpaces()), "chunked")
            else { return .badTransferEncoding }
        }
        if !length.isEmpty {
            guard let value = length.single, !value.isEmpty, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
            else { return .badContentLength }
        }
        return nil
    }
}
