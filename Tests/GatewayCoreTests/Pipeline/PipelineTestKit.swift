import Foundation
import NIOHTTP1

@testable import GatewayCore

/// Drives `RequestPipeline.decide` directly, with an injected monotonic clock.
struct PipelineDriver {
    let pipeline: RequestPipeline
    let tokens = VerifiedTokenCache(capacity: 64)
    var clock: Double = 1_000

    init(burst: Int64 = 10, perMinute: Int64 = 100, configure: (inout GatewayConfiguration) -> Void = { _ in }) {
        var configuration = GatewayConfiguration()
        configuration.jwtSecret = TestGateway.secret
        configuration.jwtIssuer = TestGateway.issuer
        configuration.rateLimitBurst = burst
        configuration.rateLimitPerMinute = perMinute
        configure(&configuration)
        pipeline = RequestPipeline(configuration: configuration, readiness: Readiness())
    }

    static func address(_ text: String) -> IPAddress { IPAddress(parsing: text)! }

    func decide(
        _ method: HTTPMethod = .GET, _ uri: String, headers: [(String, String)] = [],
        peer: String = "198.51.100.7", wallClock: Double? = nil
    ) -> Outcome {
        let head = HTTPRequestHead(
            version: .http1_1, method: method, uri: uri, headers: HTTPHeaders([("Host", "gateway.test")] + headers))
        return Outcome(
            decision: pipeline.decide(
                head, peer: Self.address(peer), requestID: "req-1", tokens: tokens,
                wallClock: wallClock ?? Date().timeIntervalSince1970, monotonic: clock))
    }
}

extension PipelineDriver {
    /// A decision with accessors for asserting on it.
    struct Outcome {
        let decision: PipelineDecision
        /// 0 for forward, else the local status code.
        var statusCode: Int {
            switch decision {
            case .forward: 0
            case .respond(let local): Int(local.status.code)
            }
        }

        var isForward: Bool { statusCode == 0 }

        var local: LocalResponse? {
            if case .respond(let local) = decision { return local }
            return nil
        }

        var plan: ForwardPlan? {
            if case .forward(let plan) = decision { return plan }
            return nil
        }

        var audit: RequestAudit {
            switch decision {
            case .forward(let plan): plan.audit
            case .respond(let local): local.audit
            }
        }

        func header(_ name: String) -> String? {
            local?.headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
        }

        /// A compact description for failure messages.
        var summary: String {
            switch decision {
            case .forward(let plan): "forward \(plan.upstreamURI)"
            case .respond(let local): "\(local.status.code) \(local.body)"
            }
        }
    }
}
