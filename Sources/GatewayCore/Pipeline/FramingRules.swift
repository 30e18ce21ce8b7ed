import NIOHTTP1

/// Message-framing checks the HTTP parser leaves to us (SPEC §10); each closes the connection.
///
/// llhttp (strict) already refuses CL+TE, repeated differing lengths, obs-fold, bare CR/LF and bad
/// chunk sizes; these are the cases it accepts.
enum FramingRules {
    static func violation(in headers: HTTPHeaders) -> HygieneViolation? {
        let lengths = headers[canonicalForm: "content-length"]
        let encodings = headers[canonicalForm: "transfer-encoding"]
        if !lengths.isEmpty && !encodings.isEmpty { return .bothLengths }
        if !encodings.isEmpty {
            guard encodings.count == 1, encodings[0].lowercased() == "chunked" else { return .badTransferEncoding }
        }
        if !lengths.isEmpty {
            guard lengths.count == 1, !lengths[0].isEmpty,
                lengths[0].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
            else { return .badContentLength }
        }
        return nil
    }
}
