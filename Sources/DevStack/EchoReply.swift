import GatewayCore
import NIOHTTP1

/// The JSON echo every stand-in answers with, so tests and curl users can see exactly
/// which backend got the request and what the gateway forwarded to it.
enum EchoReply {
    static func body(service: ServiceName, head: HTTPRequestHead, bodyBytes: Int) -> String {
        let target = StandInTarget(head.uri)
        var writer = JSONObjectWriter()
        writer.add("service", service.rawValue)
        writer.add("method", head.method.rawValue)
        writer.add("path", target.path)
        writer.add("query", target.query)
        writer.add("x_user_id", head.headers.first(name: "X-User-ID"))
        writer.add("x_user_roles", head.headers.first(name: "X-User-Roles"))
        writer.add("x_request_id", head.headers.first(name: "X-Request-ID"))
        writer.add("body_bytes", bodyBytes)
        return writer.text
    }
}
