import Foundation
import NIOCore
import NIOHPACK
import NIOHTTP2
import Testing

@testable import GatewayCore

/// SPEC §17, HTTP/2: every rule applies per stream; over TLS (ALPN h2) and as h2c with prior
/// knowledge; upstreams stay HTTP/1.1 keep-alive.
@Suite struct HTTP2Tests {
    /// A gateway over TLS and an HTTP/2 client connected to it.
    static func withH2(
        tls: Bool = true, handler: @escaping TestUpstream.Handler = { _ in .json(#"{"ok":true}"#) },
        configure: @escaping (inout GatewayConfiguration) -> Void = { _ in },
        _ body: (H2TestClient, TestGateway, TestUpstream) async throws -> Void
    ) async throws {
        let pki = try TestPKI()
        let credentials = try pki.credentials()
        try await TestGateway.withUpstream(
            handler: handler,
            configure: {
                if tls { $0.tls = credentials }
                configure(&$0)
            }
        ) { gateway, upstream in
            let client = try await H2TestClient.connect(
                port: gateway.port, tls: tls ? try pki.clientContext(alpn: ["h2"]) : nil)
            do {
                try await body(client, gateway, upstream)
            } catch {
                await client.close()
                throw error
            }
            await client.close()
        }
    }

    @Test func aProxiedRequestOverTLS() async throws {
        try await Self.withH2 { client, _, upstream in
            let response = try await client.request(
                "GET", "/api/v1/conversations/c1?x=1", headers: [TestGateway.bearer(), ("X-Request-ID", "h2-req-1")])
            #expect(response.status == 200)
            #expect(response.text == #"{"ok":true}"#)
            #expect(response.header("x-request-id") == "h2-req-1")
            // No connection-specific field in an HTTP/2 response (RFC 9113 §8.2.2).
            for name in ["connection", "keep-alive", "transfer-encoding"] { #expect(response.header(name) == nil) }
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.version == "HTTP/1.1")
            #expect(recorded.uri.hasSuffix("?x=1"))
            #expect(recorded.header("X-Forwarded-Proto") == "https")
            #expect(recorded.header("X-Forwarded-Host") == "gateway.test")
            #expect(recorded.header("X-User-ID") == "u1")
        }
    }

    @Test func h2cWithPriorKnowledgeOnTheCleartextPort() async throws {
        try await Self.withH2(tls: false) { client, gateway, upstream in
            let response = try await client.request(
                "GET", "/api/v1/conversations", headers: [TestGateway.bearer()], scheme: "http")
            #expect(response.status == 200)
            #expect(try await upstream.waitForRequests(1)[0].header("X-Forwarded-Proto") == "http")
            // HTTP/1.1 on the same port still works.
            #expect(
                try await gateway.fetch("GET", "/api/v1/conversations", headers: [TestGateway.bearer()]).status == 200)
        }
    }

    @Test func thePipelineAnswersEachStream() async throws {
        try await Self.withH2 { client, _, _ in
            let unauthenticated = try await client.request("GET", "/api/v1/conversations")
            #expect(unauthenticated.status == 401)
            #expect(unauthenticated.header("content-type") == "application/json")
            let error = try JSONSerialization.jsonObject(with: Data(unauthenticated.body)) as? [String: Any]
            #expect(error?["error"] != nil)
            #expect(try await client.request("GET", "/api/v1/nowhere", headers: [TestGateway.bearer()]).status == 404)
            #expect(try await client.request("GET", "/health").status == 200)
            // A HEAD has no body.
            let head = try await client.request("HEAD", "/api/v1/conversations", headers: [TestGateway.bearer()])
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
        }
    }

    @Test func corsPreflightAndHeadersPerStream() async throws {
        try await Self.withH2(configure: { $0.corsAllowedOrigins = .list(["https://app.example"]) }) { client, _, _ in
            let preflight = try await client.request(
                "OPTIONS", "/api/v1/conversations",
                headers: [("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")])
            #expect(preflight.status == 200)
            #expect(preflight.body.isEmpty)
            #expect(preflight.header("access-control-allow-credentials") == "true")
            #expect(preflight.header("access-control-allow-origin") == "https://app.example")
            let simple = try await client.request(
                "GET", "/api/v1/conversations", headers: [TestGateway.bearer(), ("Origin", "https://app.example")])
            #expect(simple.header("access-control-allow-origin") == "https://app.example")
        }
    }

    @Test func aBodyIsForwarded() async throws {
        try await Self.withH2 { client, _, upstream in
            let body = Array(repeating: UInt8(ascii: "b"), count: 100_000)
            let response = try await client.request(
                "POST", "/api/v1/conversations", headers: [TestGateway.bearer(), ("content-type", "application/json")],
                body: body)
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.bodyCount == body.count)
        }
    }

    /// RFC 9113 §8.3.1: `:authority` and Host must agree; the gateway answers as for two Hosts.
    @Test func hostDisagreeingWithAuthorityIs400() async throws {
        try await Self.withH2 { client, _, upstream in
            let bad = try await client.request(
                "GET", "/api/v1/conversations", headers: [TestGateway.bearer(), ("host", "other.example")])
            #expect(bad.status == 400)
            let same = try await client.request(
                "GET", "/api/v1/conversations", headers: [TestGateway.bearer(), ("host", "GATEWAY.test")])
            #expect(same.status == 200)
            #expect(try await upstream.waitForRequests(1).count == 1)
        }
    }

    /// RFC 9113 §8.1.1: a malformed request block resets its stream with PROTOCOL_ERROR and never
    /// reaches the upstream; the connection goes on serving (the gateway checks the blocks itself).
    @Test func malformedRequestBlocksResetTheirStream() async throws {
        try await TestGateway.withUpstream { gateway, upstream in
            let client = try await H2TestClient.connect(port: gateway.port, validating: false)
            let base: [(String, String)] = [
                (":method", "GET"), (":scheme", "http"), (":path", "/api/v1/conversations"),
                (":authority", "gateway.test"), ("authorization", TestGateway.bearer().1),
            ]
            let malformed: [[(String, String)]] = [
                base + [("X-Upper", "v")],
                base + [("connection", "keep-alive")],
                base + [("transfer-encoding", "chunked")],
                base + [("te", "gzip")],
                base + [("x-note", "a\r\nx-injected: 1")],
                [("accept", "*/*")] + base,
                base.filter { $0.0 != ":scheme" },
                base.map { $0.0 == ":path" ? (":path", "/api/v1/conversations HTTP/1.1") : $0 },
                base + [(":status", "200")],
            ]
            for fields in malformed {
                do {
                    let response = try await client.request(block: HPACKHeaders(fields))
                    Issue.record("answered \(response.status) to \(fields.map(\.0))")
                } catch let reset as H2TestClient.StreamReset {
                    #expect(reset.code == .protocolError, "\(fields.map(\.0))")
                }
            }
            let good = try await client.request(block: HPACKHeaders(base))
            #expect(good.status == 200)
            #expect(try await upstream.waitForRequests(1).count == 1)
            #expect(upstream.requests.count == 1)
            await client.close()
        }
    }

    @Test func manyStreamsAtOnceOnOneConnection() async throws {
        // Multiplexing is under test, not the timeout: every in-process gateway and upstream of the
        // suite shares two event loops, and beside CPU hogs 60 answers took over the default 5 s.
        try await Self.withH2(configure: { $0.upstreamResponseTimeoutMilliseconds = 30_000 }) { client, _, upstream in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        try await client.request(
                            "GET", "/api/v1/conversations/c\(index)", headers: [TestGateway.bearer("user\(index % 3)")]
                        ).status
                    }
                }
                var statuses: [Int] = []
                for try await status in group { statuses.append(status) }
                #expect(statuses.count == 60)
                #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses.sorted())")
            }
            #expect(try await upstream.waitForRequests(60).count == 60)
        }
    }

    @Test func serverSentEventsArriveEventByEvent() async throws {
        try await Self.withH2(handler: { _ in .events(count: 4, interval: .milliseconds(150)) }) { client, _, _ in
            let response = try await client.request(
                "GET", "/api/v1/agents/a1/stream/c1", headers: [TestGateway.bearer()])
            #expect(response.status == 200)
            #expect(response.header("content-type")?.hasPrefix("text/event-stream") == true)
            // Relayed as they came: the events in DATA frames of their own, not one buffered body.
            #expect(response.frames.count >= 4)
            #expect(response.text.components(separatedBy: "\n\n").filter { $0.hasPrefix("id: ") }.count == 4)
        }
    }

    @Test func theRateLimitCountsStreams() async throws {
        try await Self.withH2(configure: {
            $0.rateLimitBurst = 3
            $0.rateLimitPerMinute = 1
        }) { client, _, _ in
            var statuses: [Int] = []
            for _ in 0..<5 {
                statuses.append(
                    try await client.request("GET", "/api/v1/conversations", headers: [TestGateway.bearer()]).status)
            }
            #expect(statuses == [200, 200, 200, 429, 429])
        }
    }

    /// Past the stream's window (1 MiB) and the connection's first one (64 KiB): the gateway
    /// gives the window back as it forwards the body (`HTTP2InboundWindow`).
    @Test func anUploadLargerThanTheWindowsArrivesWhole() async throws {
        try await Self.withH2 { client, _, upstream in
            let body = (0..<(5 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let response = try await client.request(
                "POST", "/api/v1/conversations",
                headers: [TestGateway.bearer(), ("content-type", "application/octet-stream")],
                body: body)
            #expect(response.status == 200)
            let recorded = try await upstream.waitForRequests(1)[0]
            #expect(recorded.bodyCount == body.count)
        }
    }

    /// A download over TLS arrives byte for byte: its DATA frames leave in full TLS records, each
    /// frame's header joined to its payload (`HTTP2WriteJoiner`), past the client's first window.
    @Test func aLargeDownloadArrivesWhole() async throws {
        let size = (3 << 20) + 12_345
        try await Self.withH2(handler: { _ in .largeBody(size: size) }) { client, _, _ in
            let response = try await client.request("GET", "/api/v1/conversations/big", headers: [TestGateway.bearer()])
            #expect(response.status == 200)
            #expect(response.body.count == size)
            #expect(response.body == LargeBodyPattern.bytes(offset: 0, length: size))
        }
    }

    /// A stream the client resets ends its exchange (the upstream connection is let go, long
    /// before the 20 s of events end) and nothing else: the connection serves the next request.
    @Test func aStreamTheClientResetsEndsItsExchangeNotTheConnection() async throws {
        try await Self.withH2(handler: { _ in .events(count: 200, interval: .milliseconds(100)) }) {
            client, _, upstream in
            let stream = try await client.streamAfterFirstData(
                "/api/v1/agents/a1/stream/c1", headers: [TestGateway.bearer()])
            // Closing an open stream resets it (its close future reports the reset).
            try? await stream.close()
            try await upstream.waitForClosedConnections(1)
            upstream.setHandler { _ in .json(#"{"ok":true}"#) }
            let next = try await client.request("GET", "/api/v1/conversations", headers: [TestGateway.bearer()])
            #expect(next.status == 200)
        }
    }

    /// SPEC §10's idle timeout holds for HTTP/2 too: a connection with no stream open for
    /// CLIENT_IDLE_TIMEOUT_SECONDS gets GOAWAY and is closed, after its last stream or when it
    /// never opened one (the manager's timer then never started: it came after the channel's
    /// activation).
    @Test func anIdleConnectionIsClosed() async throws {
        let pki = try TestPKI()
        let credentials = try pki.credentials()
        try await TestGateway.withUpstream(configure: {
            $0.tls = credentials
            // Not 1 s: the used connection's request must come before its idle timer runs out,
            // and under a full parallel run it once took longer (REFUSED_STREAM).
            $0.clientIdleTimeoutSeconds = 3
        }) { gateway, _ in
            let silent = try await H2TestClient.connect(port: gateway.port, tls: try pki.clientContext(alpn: ["h2"]))
            let used = try await H2TestClient.connect(port: gateway.port, tls: try pki.clientContext(alpn: ["h2"]))
            #expect(try await used.request("GET", "/health").status == 200)
            for client in [silent, used] {
                // The close, or a failure after 10 s (a close future cannot be cancelled).
                let closed = client.channel.eventLoop.makePromise(of: Void.self)
                client.channel.closeFuture.cascade(to: closed)
                let timeout = client.channel.eventLoop.scheduleTask(in: .seconds(10)) {
                    closed.fail(TestTimeoutError(waitingFor: "the idle connection's close", after: .seconds(10)))
                }
                try await closed.futureResult.get()
                timeout.cancel()
            }
        }
    }

    @Test func theAccessLogHasALinePerStream() async throws {
        try await Self.withH2 { client, gateway, _ in
            for index in 0..<3 {
                _ = try await client.request("GET", "/api/v1/conversations/\(index)", headers: [TestGateway.bearer()])
            }
            let lines = await gateway.flushedAccessLines()
            #expect(lines.filter { $0.contains(#""status":200"#) }.count == 3)
        }
    }
}
