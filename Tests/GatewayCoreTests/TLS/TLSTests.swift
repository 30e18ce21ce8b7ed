import Foundation
import NIOCore
import NIOSSL
import Testing

@testable import GatewayCore

/// SPEC §17, TLS: the pair is checked at start, TLS 1.2+ only, the chain goes out whole, HTTP/1.1
/// works over it with X-Forwarded-Proto https, and SIGHUP's reload serves new connections.
@Suite struct TLSTests {
    static func withTLSGateway(
        _ pki: TestPKI, files: (certificate: String, key: String)? = nil,
        _ body: (TestGateway, TestUpstream) async throws -> Void
    ) async throws {
        let credentials = try pki.credentials()
        try await TestGateway.withUpstream(configure: {
            if let files {
                $0.tlsCertificateFile = files.certificate
                $0.tlsKeyFile = files.key
            } else {
                $0.tls = credentials
            }
        }) { gateway, upstream in try await body(gateway, upstream) }
    }

    @Test func http11OverTLSIsProxiedWithProtoHTTPS() async throws {
        let pki = try TestPKI()
        try await Self.withTLSGateway(pki) { gateway, upstream in
            let client = try await RawHTTPClient.connect(
                port: gateway.port, tls: try pki.clientContext(alpn: ["http/1.1"]))
            let response = try await client.exchange("GET", "/api/v1/conversations", headers: [TestGateway.bearer()])
            #expect(response.status == 200)
            #expect(response.header("X-Request-ID") != nil)
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.header("X-Forwarded-Proto") == "https")
            // Kept alive over TLS like over TCP.
            #expect(
                try await client.exchange("GET", "/api/v1/conversations", headers: [TestGateway.bearer()]).status == 200
            )
            await client.close()
        }
    }

    @Test func withoutALPNTheConnectionIsHTTP11() async throws {
        let pki = try TestPKI()
        try await Self.withTLSGateway(pki) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port, tls: try pki.clientContext(alpn: []))
            #expect(
                try await client.exchange("GET", "/api/v1/conversations", headers: [TestGateway.bearer()]).status == 200
            )
            await client.close()
        }
    }

    /// The client trusts the root only: it can verify the leaf only with the intermediate the
    /// server sends.
    @Test func theChainIsSentWhole() async throws {
        let pki = try TestPKI()
        try await Self.withTLSGateway(pki) { gateway, _ in
            let response = try await RawHTTPClient.fetch(
                port: gateway.port, "GET", "/health", tls: try pki.clientContext(alpn: ["http/1.1"]))
            #expect(response.status == 200)
        }
        // A server sending the leaf alone fails that client's handshake: the test can fail.
        let leafOnly = try TLSCredentials.make(chainPEM: pki.leaf.certificatePEM, keyPEM: pki.leaf.keyPEM)
        try await TestGateway.withUpstream(configure: { $0.tls = leafOnly }) { gateway, _ in
            await #expect(throws: (any Error).self) {
                _ = try await RawHTTPClient.fetch(
                    port: gateway.port, "GET", "/health", tls: try pki.clientContext(alpn: ["http/1.1"]),
                    timeout: .seconds(5))
            }
        }
    }

    @Test func tls11IsRefused() async throws {
        let pki = try TestPKI()
        try await Self.withTLSGateway(pki) { gateway, _ in
            let old = try pki.clientContext(alpn: ["http/1.1"], maximumVersion: .tlsv11, minimumVersion: .tlsv1)
            await #expect(throws: (any Error).self) {
                _ = try await RawHTTPClient.fetch(port: gateway.port, "GET", "/health", tls: old, timeout: .seconds(5))
            }
            let current = try pki.clientContext(alpn: ["http/1.1"], maximumVersion: .tlsv12)
            #expect(try await RawHTTPClient.fetch(port: gateway.port, "GET", "/health", tls: current).status == 200)
        }
    }

    @Test func cleartextBytesOnTheTLSPortGetNoAnswer() async throws {
        let pki = try TestPKI()
        try await Self.withTLSGateway(pki) { gateway, _ in
            let client = try await RawHTTPClient.connect(port: gateway.port)
            try await client.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await client.isClosed(within: .seconds(15)))
            await client.close()
        }
    }

    @Test func sighupsReloadServesNewConnectionsAndABadPairKeepsTheOld() async throws {
        let first = try TestPKI()
        let files = try first.writeFiles()
        try await Self.withTLSGateway(first, files: files) { gateway, _ in
            let second = try TestPKI()
            #expect(
                try await RawHTTPClient.fetch(
                    port: gateway.port, "GET", "/health", tls: try first.clientContext(alpn: ["http/1.1"])
                ).status == 200)
            // A bad pair (the new chain with the old key): logged, the old pair stays.
            try second.chainPEM.write(toFile: files.certificate, atomically: true, encoding: .utf8)
            #expect(gateway.server.reloadTLS() == false)
            #expect(
                try await RawHTTPClient.fetch(
                    port: gateway.port, "GET", "/health", tls: try first.clientContext(alpn: ["http/1.1"])
                ).status == 200)
            // The good new pair: new connections get it.
            try second.leaf.keyPEM.write(toFile: files.key, atomically: true, encoding: .utf8)
            #expect(gateway.server.reloadTLS() == true)
            #expect(
                try await RawHTTPClient.fetch(
                    port: gateway.port, "GET", "/health", tls: try second.clientContext(alpn: ["http/1.1"])
                ).status == 200)
            await #expect(throws: (any Error).self) {
                _ = try await RawHTTPClient.fetch(
                    port: gateway.port, "GET", "/health", tls: try first.clientContext(alpn: ["http/1.1"]),
                    timeout: .seconds(5))
            }
        }
    }
}

/// The pair's checks, each naming its variable (SPEC §17: exit 2 at start).
@Suite struct TLSCredentialsTests {
    @Test func aMissingFileNamesItsVariable() throws {
        let files = try TestPKI().writeFiles()
        #expect(throws: ConfigurationError.self) {
            try TLSCredentials.load(certificateFile: "/nonexistent.pem", keyFile: files.key)
        }
        do {
            _ = try TLSCredentials.load(certificateFile: files.certificate, keyFile: "/nonexistent-key.pem")
            Issue.record("loaded without a key")
        } catch {
            #expect(error.variable == "TLS_KEY_FILE")
        }
        do {
            _ = try TLSCredentials.load(certificateFile: "/nonexistent.pem", keyFile: files.key)
        } catch {
            #expect(error.variable == "TLS_CERT_FILE")
        }
    }

    @Test func garbageAndAMismatchedKeyAreRefused() throws {
        let pki = try TestPKI()
        let other = try TestPKI()
        func variable(_ chain: String, _ key: String) -> String? {
            do {
                _ = try TLSCredentials.make(chainPEM: chain, keyPEM: key)
                return nil
            } catch {
                return error.variable
            }
        }
        #expect(variable("not a certificate", pki.leaf.keyPEM) == "TLS_CERT_FILE")
        #expect(variable(pki.chainPEM, "not a key") == "TLS_KEY_FILE")
        #expect(variable(pki.chainPEM, other.leaf.keyPEM) == "TLS_KEY_FILE")
        #expect(variable(pki.chainPEM, pki.leaf.keyPEM) == nil)
        #expect(try TLSCredentials.make(chainPEM: pki.chainPEM, keyPEM: pki.leaf.keyPEM).chainLength == 2)
    }

    @Test func bothFilesOrNeither() throws {
        #expect(throws: ConfigurationError.self) {
            _ = try GatewayConfiguration(environment: ["TLS_CERT_FILE": "/x.pem"])
        }
        #expect(throws: ConfigurationError.self) {
            _ = try GatewayConfiguration(environment: ["TLS_KEY_FILE": "/x.pem"])
        }
        #expect(try GatewayConfiguration(environment: [:]).tlsCertificateFile == nil)
        #expect(
            try GatewayConfiguration(environment: ["HTTP2_MAX_CONCURRENT_STREAMS": "7"]).http2MaxConcurrentStreams == 7)
        #expect(throws: ConfigurationError.self) {
            _ = try GatewayConfiguration(environment: ["HTTP2_MAX_CONCURRENT_STREAMS": "0"])
        }
        #expect(try GatewayConfiguration(environment: [:]).http2AbuseBanSeconds == 10)
        #expect(try GatewayConfiguration(environment: ["HTTP2_ABUSE_BAN_SECONDS": "0"]).http2AbuseBanSeconds == 0)
        let refused = #expect(throws: ConfigurationError.self) {
            _ = try GatewayConfiguration(environment: ["HTTP2_ABUSE_BAN_SECONDS": "-1"])
        }
        #expect(refused.map { "\($0)" }?.contains("HTTP2_ABUSE_BAN_SECONDS") == true)
    }
}
