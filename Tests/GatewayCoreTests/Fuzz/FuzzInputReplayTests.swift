import Foundation
import GatewayCore
import Testing

/// The fuzz targets' seeds and every crash input they found (`Fuzz/Corpus`, `Fuzz/Regressions`),
/// replayed through a real gateway: each byte sequence from an upstream or a client gets an
/// answer (or a close), and the gateway keeps serving.
@Suite struct FuzzInputReplayTests {
    static let fuzzFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    /// The inputs of `target`, without the first byte when it holds the target's flags.
    static func inputs(_ target: String, flagsByte: Bool = true) -> [(name: String, payload: [UInt8])] {
        var found: [(String, [UInt8])] = []
        for folder in ["Corpus", "Regressions"] {
            let directory = fuzzFolder.appendingPathComponent(folder).appendingPathComponent(target)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.sorted() {
                guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path)
                else { continue }
                found.append(("\(folder)/\(target)/\(name)", Array(data.dropFirst(flagsByte ? 1 : 0))))
            }
        }
        return found
    }

    @Test func upstreamResponsesGetAnAnswer() async throws {
        var cases = Self.inputs("FuzzUpstreamResponse") + Self.inputs("FuzzUpstreamDifferential")
        cases += Self.inputs("FuzzChunkedBody").map {
            ($0.name, Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8) + $0.payload)
        }
        #expect(cases.count >= 10, "the seeds are found")
        for (name, payload) in cases {
            try await TestGateway.withUpstream(handler: { request in
                request.path == "/conversations/fuzz" ? .raw(payload) : .json(#"{"ok":true}"#)
            }) { gateway, _ in
                let client = try await RawHTTPClient.connect(port: gateway.port)
                try await client.send(
                    RawHTTPClient.request("GET", "/api/v1/conversations/fuzz", headers: [CoreProxy.auth]))
                // An answer, or an abrupt end after a head: either way no hang.
                _ = try? await client.readResponse(timeout: .seconds(10))
                await client.close()
                let after = try await gateway.fetch("GET", "/api/v1/conversations/next", headers: [CoreProxy.auth])
                #expect(after.status == 200, "\(name): the gateway keeps serving")
            }
        }
    }

    @Test func clientBytesGetAnAnswerOrAClose() async throws {
        let cases = Self.inputs("FuzzRequestHead") + Self.inputs("FuzzRequestDifferential")
        #expect(cases.count >= 5, "the seeds are found")
        try await TestGateway.withUpstream { gateway, _ in
            for (name, payload) in cases {
                let client = try await RawHTTPClient.connect(port: gateway.port)
                try await client.send(payload)
                _ = try? await client.readResponse(timeout: .seconds(10))
                await client.close()
                let health = try await gateway.fetch("GET", "/health")
                #expect(health.status == 200, "\(name): the gateway keeps serving")
            }
        }
    }

    @Test func tokensAndAddressesParseWithoutTrapping() {
        let verifier = JWTVerifier(secret: "fuzz-secret", issuer: "aegis-gateway", leewaySeconds: 0)
        for (_, payload) in Self.inputs("FuzzJWT") {
            _ = verifier.verify(Substring(decoding: payload, as: UTF8.self), now: 1_800_000_000)
        }
        for (_, payload) in Self.inputs("FuzzIPAddress", flagsByte: false) {
            let text = String(decoding: payload, as: UTF8.self)
            _ = IPAddress(parsing: text)
            _ = CIDR(parsing: text)
        }
    }
}
