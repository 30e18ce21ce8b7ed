import Foundation
import NIOCore
import RedisServerFixture
import Testing

@testable import GatewayCore

/// SPEC §17's browser case with a real headless Chromium: a page from another origin opens 10
/// EventSource streams and 5 fetches to the gateway at once, with credentialed CORS (§4). Over
/// HTTPS the browser speaks HTTP/2 and gets everything; over HTTP/1.1 it holds six connections
/// per host, so the streams past the sixth and the fetches wait behind them.
///
/// Needs the `chromium` binary (Debian's package; `.ci/run` installs it): the test fails, not
/// skips, without it.
@Suite("Browser: many streams from one page", .serialized)
struct BrowserStreamsTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Each stream sends an event every 100 ms for 30 s: none ends while the page runs.
    static func upstream(_ request: RecordedRequest) -> UpstreamPlan {
        request.path.hasPrefix("/stream/") ? .events(count: 300, interval: .milliseconds(100)) : .json(#"{"ok":true}"#)
    }

    static func routes(_ upstream: String) throws -> ConfigurationFile {
        try ConfigurationFile.parse(
            """
            services:
              orchestration:
                endpoints: ["\(upstream)"]
            routes:
              - path: /api/v1/browser/stream/{id}
                service: orchestration
                rewrite: /stream/{id}
                public: true
              - path: /api/v1/browser/data/*
                service: orchestration
                rewrite: /data/*
                public: true
            """)
    }

    /// The page: opens everything at once, then reports to its own origin how many streams had an
    /// event and how many fetches answered, as soon as all did or after `patience` ms.
    static let page = """
        <!doctype html><meta charset="utf-8"><title>aegis streams</title>
        <script>
        const query = new URLSearchParams(location.search);
        const gateway = query.get("gateway"); const patience = Number(query.get("patience"));
        const streams = new Set(); let fetches = 0; let reported = false;
        function report() {
          if (reported) return; reported = true;
          fetch("/report?streams=" + streams.size + "&fetches=" + fetches + "&gateway=" + encodeURIComponent(gateway));
        }
        function check() { if (streams.size === 10 && fetches === 5) report(); }
        for (let i = 0; i < 10; i++) {
          const source = new EventSource(gateway + "/api/v1/browser/stream/s" + i, { withCredentials: true });
          source.onmessage = () => { streams.add(i); check(); };
        }
        for (let i = 0; i < 5; i++) {
          fetch(gateway + "/api/v1/browser/data/d" + i, { credentials: "include" })
            .then(r => r.json()).then(() => { fetches++; check(); });
        }
        setTimeout(report, patience);
        </script>
        """

    struct Report: Equatable {
        var streams: Int
        var fetches: Int
    }

    /// A stand-in origin serving the page and taking its reports.
    static func origin() async throws -> TestUpstream {
        try await TestUpstream.start { request in
            if request.path == "/page.html" {
                return .respond(headers: [("Content-Type", "text/html; charset=utf-8")], body: Array(Self.page.utf8))
            }
            return .text("ok")
        }
    }

    /// Runs Chromium on the page of `origin` against `gatewayURL` and returns the page's report.
    static func run(origin: TestUpstream, gatewayURL: String, patience: Int) async throws -> Report {
        let chromium = try #require(Self.chromium, "chromium is not installed (apt-get install chromium)")
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "aegis-chromium-\(UUID().uuidString)")
        let encoded = gatewayURL.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? gatewayURL
        let process = try ChildProcess.spawn(
            chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                // The gateway's certificate comes from a CA made by the test.
                "--ignore-certificate-errors", "--user-data-dir=\(profile.path)",
                "\(origin.url)/page.html?gateway=\(encoded)&patience=\(patience)",
            ], environment: ProcessInfo.processInfo.environment, stdout: .null, stderr: .null)
        var report: RecordedRequest?
        do {
            try await eventually("the page's report", within: .seconds(90), every: .milliseconds(100)) {
                report = origin.requests.first { $0.path == "/report" && ($0.query ?? "").contains(encoded) }
                return report != nil
            }
        } catch {
            await Self.stop(process, profile: profile)
            throw error
        }
        await Self.stop(process, profile: profile)
        let query = Dictionary(
            uniqueKeysWithValues: (report?.query ?? "").split(separator: "&").map {
                let pair = $0.split(separator: "=", maxSplits: 1)
                return (String(pair[0]), String(pair.count > 1 ? pair[1] : ""))
            })
        return Report(streams: Int(query["streams"] ?? "") ?? -1, fetches: Int(query["fetches"] ?? "") ?? -1)
    }

    /// Ends Chromium (and waits for it off the task pool) and removes its profile.
    static func stop(_ process: ChildProcess, profile: URL) async {
        process.signal(SIGTERM)
        _ = await process.exited()
        try? FileManager.default.removeItem(at: profile)
    }

    @Test func overHTTP2EveryStreamAndFetchArrivesOverHTTP11TheyStall() async throws {
        let upstream = try await TestUpstream.start(handler: Self.upstream)
        let origin = try await Self.origin()
        let pki = try TestPKI()
        let credentials = try pki.credentials()
        let file = try Self.routes(upstream.url)
        // Credentialed CORS: the page's origin is echoed, with Allow-Credentials (SPEC §4).
        let allowed = CORSOrigins.list([origin.url])

        // HTTPS: ALPN gives HTTP/2, one connection carries all fifteen.
        let secure = try await TestGateway.start(upstream: upstream.url) {
            $0.tls = credentials
            $0.file = file
            $0.corsAllowedOrigins = allowed
        }
        let overHTTP2 = try await Self.run(
            origin: origin, gatewayURL: "https://localhost:\(secure.port)", patience: 45_000)
        await secure.shutdown()
        #expect(overHTTP2 == Report(streams: 10, fetches: 5))

        // Cleartext: HTTP/1.1, six connections per host; the page gives up after 4 s.
        let plain = try await TestGateway.start(upstream: upstream.url) {
            $0.file = file
            $0.corsAllowedOrigins = allowed
        }
        let overHTTP11 = try await Self.run(
            origin: origin, gatewayURL: "http://localhost:\(plain.port)", patience: 4_000)
        await plain.shutdown()
        // At most six streams ever open; the rest wait for one to end (none does). Chromium runs the
        // fetches first (they rank above EventSource), so it is streams that stall.
        #expect(overHTTP11.streams <= 6, "\(overHTTP11)")
        #expect(overHTTP11 != Report(streams: 10, fetches: 5))
        try? await origin.shutdown()
        try? await upstream.shutdown()
    }
}
