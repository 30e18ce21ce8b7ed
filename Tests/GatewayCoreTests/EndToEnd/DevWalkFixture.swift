import DevStack
import Foundation
import GatewayCore
import NIOCore
import NIOPosix
import Testing

/// The dev stack's stand-in backends behind a real in-process gateway, wired like
/// `aegis-gateway dev`: same secret and issuer, every upstream pointed at its stand-in.
struct DevWalk {
    let stack: DevStack
    let gateway: TestGateway

    static let loginBody = Array(#"{"email":"\#(DevCredentials.email)","password":"\#(DevCredentials.password)"}"#.utf8)

    static func run<R>(withMetrics: Bool = false, _ body: (DevWalk) async throws -> R) async throws -> R {
        let stack = try await DevStack.start(
            DevStackConfiguration(
                jwtSecret: TestGateway.secret, jwtIssuer: TestGateway.issuer, sseInterval: .milliseconds(100),
                sseEventCount: 5),
            group: MultiThreadedEventLoopGroup.singleton)
        let gateway: TestGateway
        do {
            gateway = try await TestGateway.start(upstream: nil, withMetrics: withMetrics) { configuration in
                for service in ServiceName.builtIn {
                    configuration.upstreams[service] = UpstreamURL(parsing: stack.urls[service]!)
                }
            }
        } catch {
            try? await stack.shutdown()
            throw error
        }
        let walk = DevWalk(stack: stack, gateway: gateway)
        do {
            let result = try await body(walk)
            await gateway.shutdown()
            try await stack.shutdown()
            return result
        } catch {
            await gateway.shutdown()
            try? await stack.shutdown()
            throw error
        }
    }

    /// Logs in through the gateway; returns the token and the raw Set-Cookie value.
    func login() async throws -> (token: String, setCookie: String) {
        let response = try await gateway.fetch(
            "POST", "/api/v1/auth/token", headers: [("Content-Type", "application/json")], body: Self.loginBody)
        try #require(response.status == 200, "login: \(response.status) \(response.bodyString)")
        let json = try response.jsonObject()
        let token = try #require(json["access_token"] as? String)
        let cookie = try #require(response.header("Set-Cookie"))
        return (token, cookie)
    }
}

/// One public route of a service and the internal path the stand-in should see.
struct ServiceCall: Sendable, CustomTestStringConvertible {
    var method: String
    var target: String
    var service: ServiceName
    var internalPath: String
    var internalQuery: String = ""

    var testDescription: String { "\(method) \(target) → \(service.rawValue) \(internalPath)" }

    /// A route of every service the public API reaches. MEMORY has no public route (SPEC §2),
    /// so it is not reachable through the gateway at all.
    static let everyService: [ServiceCall] = [
        ServiceCall(
            method: "GET", target: "/api/v1/conversations/42?limit=5", service: .orchestration,
            internalPath: "/conversations/42", internalQuery: "limit=5"),
        ServiceCall(
            method: "POST", target: "/api/v1/agents/a7/execute", service: .orchestration, internalPath: "/execute"),
        ServiceCall(
            method: "GET", target: "/api/v1/entities/7", service: .knowledgeGraph, internalPath: "/managed-entities/7"),
        ServiceCall(
            method: "GET", target: "/api/v1/admin/reindex", service: .knowledgeGraph, internalPath: "/admin/reindex"),
        ServiceCall(
            method: "PUT", target: "/api/v1/detection-rules/3", service: .knowledgeGraph,
            internalPath: "/event-detection-rules/3"),
        ServiceCall(method: "PATCH", target: "/api/v1/approvals/3", service: .approval, internalPath: "/approvals/3"),
        ServiceCall(
            method: "POST", target: "/api/v1/ingest/csv", service: .ingestion, internalPath: "/ingest/operator/csv"),
        ServiceCall(
            method: "GET", target: "/api/v1/compliance/assessments", service: .compliance,
            internalPath: "/compliance/assessments"),
        ServiceCall(
            method: "DELETE", target: "/api/v1/flare-events/9", service: .flaring, internalPath: "/flare-events/9"),
        ServiceCall(method: "POST", target: "/api/v1/auth/refresh", service: .auth, internalPath: "/auth/refresh"),
    ]
}
