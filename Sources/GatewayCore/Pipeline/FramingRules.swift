import NIOHTTP1

/// Message-framing checks the HTTP parser leaves to us (SPEC §10); each closes the connection.
///
/// llhttp (strict) already refuses CL+TE, repeated differing lengths, obs-fold, bare CR/LF and bad
/// chunk sizes; these are the cases it accepts.
enum FramingRules {
    static func violation(in facts: RequestHeadFacts) -> HygieneViolation? {
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
