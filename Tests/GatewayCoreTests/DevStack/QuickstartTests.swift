import DevStack
import Foundation
import RedisServerFixture
import Testing

@Suite("Dev quickstart text")
struct QuickstartTests {
    private let text = quickstart(gatewayBaseURL: "http://127.0.0.1:8000/")

    @Test("names the public routes of the gateway, without a doubled slash")
    func lines() {
        #expect(text.contains("curl -s -X POST http://127.0.0.1:8000/api/v1/auth/token"))
        #expect(text.contains(#"-d '{"email":"admin@aegis.local","password":"aegis-dev-admin"}'"#))
        #expect(text.contains(#"curl -s http://127.0.0.1:8000/api/v1/conversations -H "Authorization: Bearer $TOKEN""#))
        #expect(
            text.contains(
                #"curl -N http://127.0.0.1:8000/api/v1/agents/a1/stream/c1 -H "Authorization: Bearer $TOKEN""#))
        #expect(!text.contains("8000//"))
    }

    @Test("the TOKEN line works when pasted into bash")
    func captureLineRunsInBash() async throws {
        let capture = try #require(text.split(separator: "\n").first { $0.hasPrefix("TOKEN=") }.map(String.init))
        let loginLine = try #require(
            text.split(separator: "\n").first { $0.hasPrefix("curl -s -X POST") }.map(String.init))
        #expect(capture.contains(loginLine))
        // Replace the network call with a canned response of the same shape.
        let canned = #"printf '%s' '{"access_token":"aaa.bbb-_.ccc","token_type":"Bearer","expires_in":86400}'"#
        let script = capture.replacingOccurrences(of: loginLine, with: canned) + "\nprintf '%s' \"$TOKEN\"\n"

        let process = try ChildProcess.spawn(
            "/bin/bash", ["-c", script], environment: ProcessInfo.processInfo.environment, stderr: .null)
        let data = await PipeReader.readAllOffPool(process.stdout!)
        #expect(await process.exited().status == 0)
        #expect(String(decoding: data, as: UTF8.self) == "aaa.bbb-_.ccc")
    }
}
