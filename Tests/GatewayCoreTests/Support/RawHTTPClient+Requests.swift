import NIOSSL

extension RawHTTPClient {
    /// A well-formed HTTP/1.1 request: `Host` added unless given, `Content-Length` added
    /// when there is a body and no framing header was given.
    static func request(
        _ method: String = "GET",
        _ target: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        host: String = "gateway.test"
    ) -> [UInt8] {
        var lines = ["\(method) \(target) HTTP/1.1"]
        if !headers.contains(where: { $0.0.lowercased() == "host" }) { lines.append("Host: \(host)") }
        lines += headers.map { "\($0.0): \($0.1)" }
        let framed = headers.contains { ["content-length", "transfer-encoding"].contains($0.0.lowercased()) }
        if let body, !framed { lines.append("Content-Length: \(body.count)") }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + (body ?? [])
    }

    /// Sends one request and reads its response (no body expected for HEAD).
    func exchange(
        _ method: String = "GET",
        _ target: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        timeout: Duration = .seconds(10)
    ) async throws -> RawHTTPResponse {
        try await send(Self.request(method, target, headers: headers, body: body))
        return try await readResponse(timeout: timeout, expectBody: method != "HEAD")
    }

    /// One request on a fresh connection, closed afterwards.
    static func fetch(
        port: Int,
        _ method: String = "GET",
        _ target: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        tls: NIOSSLContext? = nil,
        timeout: Duration = .seconds(10)
    ) async throws -> RawHTTPResponse {
        let client = try await connect(port: port, tls: tls)
        do {
            let response = try await client.exchange(method, target, headers: headers, body: body, timeout: timeout)
            await client.close()
            return response
        } catch {
            await client.close()
            throw error
        }
    }
}
