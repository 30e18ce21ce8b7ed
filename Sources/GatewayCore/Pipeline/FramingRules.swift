import NIOHTTP1

/// Message-framing checks the HTTP parser leaves to us (SPEC §10); each closes the connection.
///
/// llhttp (strict) already refuses CL+TE, repeated differing lengths, obs-fold, bare CR/LF and bad
/// chunk sizes; these are the cases it accepts.
enum FramingRules {
    static func violation(in facts: RequestHeadFacts) -> HygieneViolation? {
        let lengths = facts.contentLengths
        let encodings = facts.transferEncodings
        if !lengths.isEmpty && !encodings.isEmpty { return .bothLengths }
        if !encodings.isEmpty {
            // "gzip, chunked" on one line counts as two codings.
            guard encodings.count == 1, HeaderNames.equals(encodings[0].trimmingASCIISpacesString(), "chunked")
            else { return .badTransferEncoding }
        }
        if !lengths.isEmpty {
            guard lengths.count == 1, !lengths[0].isEmpty,
                lengths[0].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
            else { return .badContentLength }
        }
        return nil
    }
}

extension String {
    func trimmingASCIISpacesString() -> String {
        let trimmed = Substring(self).trimmingASCIISpaces()
        return trimmed.count == count ? self : String(trimmed)
    }
}
