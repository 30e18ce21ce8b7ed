import NIOCore
import Testing

@testable import GatewayCore

/// SPEC §17's abuse rules on raw frames over h2c (TLS changes nothing here): each abuser gets
/// GOAWAY and a close, and a well-behaved client on the same gateway keeps being served.
@Suite struct HTTP2AbuseTests {
    /// Sends `bytes` on a new connection; returns the frames the gateway sent until it closed.
    static func abuse(_ port: Int, _ bytes: [UInt8]) async throws -> [H2Frames.Frame] {
        let client = try await RawHTTPClient.connect(port: port)
        try? await client.send(bytes)
        let received = try await client.readUntilClose(timeout: .seconds(15))
        await client.close()
        return H2Frames.parse(received)
    }

    static func sawGoAway(_ frames: [H2Frames.Frame]) -> Bool {
        frames.contains { $0.kind == H2Frames.Kind.goAway.rawValue }
    }

    /// A well-behaved HTTP/2 client's requests during the abuse all succeed.
    static func whileServingAnother(
        _ gateway: TestGateway, _ abuse: @escaping @Sendable () async throws -> Void
    ) async throws {
        let good = try await H2TestClient.connect(port: gateway.port)
        let abuser = Task { try await abuse() }
        for index in 0..<50 {
            do {
                let response = try await good.request(
                    "GET", "/api/v1/conversations/\(index)", headers: [TestGateway.bearer()], scheme: "http")
                #expect(response.status == 200)
            } catch {
                Issue.record("good request \(index) failed: \(type(of: error)) \(error)")
                throw error
            }
        }
        do {
            try await abuser.value
        } catch {
            Issue.record("abuser failed: \(type(of: error)) \(error)")
            throw error
        }
        #expect(try await good.request("GET", "/health", scheme: "http").status == 200)
        await good.close()
    }

    @Test func rapidResetGetsGoAway() async throws {
        try await TestGateway.withUpstream { gateway, _ in
            try await Self.whileServingAnother(gateway) {
                var bytes = H2Frames.start()
                for index in 0..<400 {
                    let stream = UInt32(2 * index + 1)
                    bytes += H2Frames.frame(
                        .headers, flags: H2Frames.endHeaders | H2Frames.endStream, stream: stream,
                        payload: H2Frames.requestBlock(path: "/api/v1/conversations"))
                    bytes += H2Frames.frame(.rstStream, stream: stream, payload: H2Frames.bytes(8))  // CANCEL
                }
                let frames = try await Self.abuse(gateway.port, bytes)
                #expect(Self.sawGoAway(frames))
            }
        }
    }

    @Test func continuationFloodGetsGoAway() async throws {
        try await TestGateway.withUpstream { gateway, _ in
            try await Self.whileServingAnother(gateway) {
                var bytes = H2Frames.start()
                bytes += H2Frames.frame(.headers, stream: 1, payload: H2Frames.requestBlock(path: "/health"))
                // Each frame one more field, never the end of the block.
                for _ in 0..<2_000 {
                    bytes += H2Frames.frame(
                        .continuation, stream: 1, payload: [0x00] + H2Frames.literal("x-a") + H2Frames.literal("b"))
                }
                let frames = try await Self.abuse(gateway.port, bytes)
                #expect(Self.sawGoAway(frames))
            }
        }
    }

    @Test func pingFloodGetsGoAway() async throws {
        try await TestGateway.withUpstream { gateway, _ in
            try await Self.whileServingAnother(gateway) {
                var bytes = H2Frames.start()
                for _ in 0..<2_000 { bytes += H2Frames.frame(.ping, payload: Array(repeating: 0, count: 8)) }
                let frames = try await Self.abuse(gateway.port, bytes)
                #expect(Self.sawGoAway(frames))
            }
        }
    }

    @Test func settingsFloodGetsGoAway() async throws {
        try await TestGateway.withUpstream { gateway, _ in
            try await Self.whileServingAnother(gateway) {
                var bytes = H2Frames.start()
                for _ in 0..<2_000 { bytes += H2Frames.frame(.settings) }
                let frames = try await Self.abuse(gateway.port, bytes)
                #expect(Self.sawGoAway(frames))
            }
        }
    }

    /// SETTINGS_INITIAL_WINDOW_SIZE 0 and never a WINDOW_UPDATE: the response (larger than the 1 MiB a
    /// stream buffers) cannot move, and
    /// the progress timeout ends the connection with GOAWAY.
    @Test func aClientThatNeverOpensItsWindowIsClosed() async throws {
        try await TestGateway.withUpstream(
            // The abuser's download only: the well-behaved client's small answers never wait 1 s.
            handler: { $0.path.hasSuffix("big.bin") ? .largeBody(size: 4 << 20) : .json(#"{"ok":true}"#) },
            configure: { $0.progressTimeoutSeconds = 1 }
        ) { gateway, _ in
            try await Self.whileServingAnother(gateway) {
                var bytes = H2Frames.start(settings: [(0x4, 0)])  // SETTINGS_INITIAL_WINDOW_SIZE
                bytes += H2Frames.frame(
                    .headers, flags: H2Frames.endHeaders | H2Frames.endStream, stream: 1,
                    payload: H2Frames.requestBlock(
                        path: "/api/v1/approvals/big.bin", authorization: TestGateway.bearer().1))
                let frames = try await Self.abuse(gateway.port, bytes)
                #expect(Self.sawGoAway(frames))
                // The head went out (HEADERS are not flow-controlled); no DATA could.
                #expect(frames.contains { $0.kind == H2Frames.Kind.headers.rawValue && $0.stream == 1 })
                #expect(!frames.contains { $0.kind == H2Frames.Kind.data.rawValue && !$0.payload.isEmpty })
            }
        }
    }

    static let pingFlood: [UInt8] = {
        var bytes = H2Frames.start()
        for _ in 0..<2_000 { bytes += H2Frames.frame(.ping, payload: Array(repeating: 0, count: 8)) }
        return bytes
    }()

    /// Floods from `address`; returns the GOAWAY's error code.
    static func cutForAbuse(_ gateway: TestGateway, from address: String) async throws -> Int? {
        let client = try await RawHTTPClient.connect(port: gateway.port, from: address)
        try? await client.send(pingFlood)
        let frames = H2Frames.parse(try await client.readUntilClose(timeout: .seconds(15)))
        await client.close()
        let goAway = frames.first { $0.kind == H2Frames.Kind.goAway.rawValue && $0.payload.count >= 8 }
        return goAway.map {
            Int($0.payload[4]) << 24 | Int($0.payload[5]) << 16 | Int($0.payload[6]) << 8 | Int($0.payload[7])
        }
    }

    /// What a new connection from `address` gets for its preface: the server's first bytes
    /// (SETTINGS) when served, nothing when closed at accept (a reset counts as closed).
    static func answerToNextConnection(_ gateway: TestGateway, from address: String) async throws -> [UInt8] {
        let client = try await RawHTTPClient.connect(port: gateway.port, from: address)
        try? await client.send(H2Frames.start())
        let answer = (try? await client.nextBytes(timeout: .seconds(10)))??.bytes ?? []
        await client.close()
        return answer
    }

    /// An address whose connection was cut for abuse (ENHANCE_YOUR_CALM) has its next
    /// connections closed at accept, before a byte is read; other addresses are served.
    @Test func anAbusersAddressIsRefusedForAWhile() async throws {
        // No upstream: the gateway answers /health itself.
        let gateway = try await TestGateway.start(upstream: nil, withMetrics: true)
        do {
            #expect(try await Self.cutForAbuse(gateway, from: "127.0.0.2") == 0x0b)
            #expect(try await Self.answerToNextConnection(gateway, from: "127.0.0.2").isEmpty)
            // Others: a raw HTTP/2 connection gets the server's SETTINGS, clients are served.
            #expect(!(try await Self.answerToNextConnection(gateway, from: "127.0.0.3").isEmpty))
            let good = try await H2TestClient.connect(port: gateway.port)
            #expect(try await good.request("GET", "/health", scheme: "http").status == 200)
            await good.close()
            #expect(try await gateway.fetch("GET", "/health").status == 200)
            let metrics = try await gateway.scrapeMetrics()
            #expect(metrics.value("aegis_http2_abuse_bans_total", [:]) == 1)
        } catch {
            await gateway.shutdown()
            throw error
        }
        await gateway.shutdown()
    }

    @Test func banningCanBeTurnedOff() async throws {
        try await TestGateway.withUpstream(configure: { $0.http2AbuseBanSeconds = 0 }) { gateway, _ in
            let code = try await Self.cutForAbuse(gateway, from: "127.0.0.4")
            #expect(code == 0x0b)
            let answer = try await Self.answerToNextConnection(gateway, from: "127.0.0.4")
            #expect(!answer.isEmpty, "served again at once")
        }
    }

    /// HTTP2_MAX_CONCURRENT_STREAMS holds: up to the limit at once are served; a client that
    /// opens more (after acknowledging the limit) loses the connection (GOAWAY PROTOCOL_ERROR:
    /// swift-nio-http2 treats the violation as a connection error, RFC 9113 §5.1.2 allows a
    /// stream error; either way the stream over the limit never runs).
    @Test func streamsOverTheLimitAreRefused() async throws {
        try await TestGateway.withUpstream(
            handler: { _ in .delayHead(.milliseconds(300), then: .json(#"{"ok":true}"#)) },
            configure: { $0.http2MaxConcurrentStreams = 10 }
        ) { gateway, upstream in
            for count in [10, 11] {
                let client = try await RawHTTPClient.connect(port: gateway.port)
                try await client.send(H2Frames.start())
                // The limit binds once the client has acknowledged the server's SETTINGS (RFC 9113 §6.5.3).
                var seen: [UInt8] = []
                try await eventually("the server's SETTINGS") {
                    if let next = try await client.nextBytes(timeout: .seconds(10)) { seen += next.bytes }
                    return H2Frames.parse(seen).contains {
                        $0.kind == H2Frames.Kind.settings.rawValue && $0.flags & 1 == 0
                    }
                }
                var bytes = H2Frames.frame(.settings, flags: 0x1)
                for index in 0..<count {
                    bytes += H2Frames.frame(
                        .headers, flags: H2Frames.endHeaders | H2Frames.endStream, stream: UInt32(2 * index + 1),
                        payload: H2Frames.requestBlock(
                            path: "/api/v1/conversations", authorization: TestGateway.bearer().1))
                }
                try await client.send(bytes)
                if count == 10 {
                    try await eventually("ten answers") {
                        if let next = try await client.nextBytes(timeout: .seconds(10)) { seen += next.bytes }
                        let heads = H2Frames.parse(seen).filter { $0.kind == H2Frames.Kind.headers.rawValue }
                        return Set(heads.map(\.stream)) == Set((0..<10).map { UInt32(2 * $0 + 1) })
                    }
                    await client.close()
                } else {
                    seen += try await client.readUntilClose(timeout: .seconds(10))
                    let goAway = H2Frames.parse(seen).first { $0.kind == H2Frames.Kind.goAway.rawValue }
                    #expect(goAway?.payload.count ?? 0 >= 8)
                    #expect(goAway.map { Int($0.payload[7]) } == 1)  // PROTOCOL_ERROR
                    await client.close()
                }
            }
            // Only the first connection's ten reached the upstream.
            #expect(try await upstream.waitForRequests(10).count == 10)
        }
    }
}
