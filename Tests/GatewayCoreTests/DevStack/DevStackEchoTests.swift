import DevStack
import Foundation
import GatewayCore
import Testing

@Suite("DevStack echo stand-ins")
struct DevStackEchoTests {
    @Test("every service gets its own loopback port")
    func distinctPorts() async throws {
        try await withDevStack { stack in
            #expect(Set(stack.urls.keys) == Set(ServiceName.builtIn))
            #expect(Set(ServiceName.builtIn.map(stack.port(of:))).count == ServiceName.builtIn.count)
            for url in stack.urls.values { #expect(url.hasPrefix("http://127.0.0.1:")) }
        }
    }

    @Test("each service echoes method, path, query and identity headers", arguments: ServiceName.builtIn)
    func echo(service: ServiceName) async throws {
        try await withDevStack { stack in
            let response = try await RawHTTPClient.fetch(
                port: stack.port(of: service),
                "PATCH",
                "/some/deep/path?a=1&b=%20x",
                headers: [("X-User-ID", "u-1"), ("X-User-Roles", "admin,operator"), ("X-Request-ID", "req-9")],
                body: Array("hello".utf8)
            )
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.header("Content-Length") == String(response.body.count))
            let json = try response.jsonObject()
            #expect(json["service"] as? String == service.rawValue)
            #expect(json["method"] as? String == "PATCH")
            #expect(json["path"] as? String == "/some/deep/path")
            #expect(json["query"] as? String == "a=1&b=%20x")
            #expect(json["x_user_id"] as? String == "u-1")
            #expect(json["x_user_roles"] as? String == "admin,operator")
            #expect(json["x_request_id"] as? String == "req-9")
            #expect(json["body_bytes"] as? Int == 5)
        }
    }

    @Test("absent headers are null, absent query is empty")
    func nulls() async throws {
        try await withDevStack { stack in
            let json = try await RawHTTPClient.fetch(port: stack.port(of: .memory), "GET", "/").jsonObject()
            #expect(json["query"] as? String == "")
            #expect(json["x_user_id"] is NSNull)
            #expect(json["x_user_roles"] is NSNull)
            #expect(json["x_request_id"] is NSNull)
            #expect(json["body_bytes"] as? Int == 0)
        }
    }

    @Test("large and chunked request bodies are counted, not buffered")
    func bodyCounting() async throws {
        try await withDevStack { stack in
            let client = try await RawHTTPClient.connect(port: stack.port(of: .ingestion))
            let big = [UInt8](repeating: 0x61, count: 3 * 1024 * 1024)
            let first = try await client.exchange("POST", "/ingest/x", body: big, timeout: .seconds(30))
            #expect(try first.jsonObject()["body_bytes"] as? Int == big.count)

            try await client.send(
                "POST /ingest/y HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
            )
            let second = try await client.readResponse()
            #expect(try second.jsonObject()["body_bytes"] as? Int == 11)
            await client.close()
        }
    }

    @Test("HEAD gets the headers without a body; pipelined requests are answered in order")
    func headAndPipelining() async throws {
        try await withDevStack { stack in
            let client = try await RawHTTPClient.connect(port: stack.port(of: .approval))
            try await client.send(
                RawHTTPClient.request("HEAD", "/approvals/1") + RawHTTPClient.request("GET", "/approvals/2")
                    + RawHTTPClient.request("DELETE", "/approvals/3")
            )
            let head = try await client.readResponse(expectBody: false)
            #expect(head.status == 200)
            #expect(Int(head.header("Content-Length") ?? "") ?? 0 > 0)
            #expect(head.body.isEmpty)
            let get = try await client.readResponse()
            #expect(try get.jsonObject()["path"] as? String == "/approvals/2")
            let delete = try await client.readResponse()
            #expect(try delete.jsonObject()["method"] as? String == "DELETE")
            await client.close()
        }
    }

    @Test("Connection: close is honoured")
    func connectionClose() async throws {
        try await withDevStack { stack in
            let client = try await RawHTTPClient.connect(port: stack.port(of: .flaring))
            let response = try await client.exchange("GET", "/events", headers: [("Connection", "close")])
            #expect(response.header("Connection") == "close")
            #expect(await client.isClosed(within: .seconds(15)))
        }
    }
}
