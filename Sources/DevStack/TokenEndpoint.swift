import Foundation
import GatewayCore
import NIOHTTP1

/// `POST /auth/token` of the auth stand-in: the dev credentials get a 24-hour token,
/// anything else a 401. Pure apart from the clock the caller passes in.
struct TokenEndpoint: Sendable {
    /// Login bodies are tiny; the cap keeps a stray upload from growing memory.
    static let maxBodyBytes = 64 * 1024

    let minter: JWTMinter

    func respond(to body: [UInt8], now: Int64) -> StandInResponse {
        guard Self.isDevLogin(body) else {
            return .json(.unauthorized, JSONText.error("unauthorized", "invalid credentials"))
        }
        let lifetime = DevCredentials.tokenLifetimeSeconds
        let token = minter.mint(
            userID: DevCredentials.userID,
            roles: DevCredentials.roles,
            ttlSeconds: lifetime,
            now: now
        )
        var writer = JSONObjectWriter()
        writer.add("access_token", token)
        writer.add("token_type", "Bearer")
        writer.add("expires_in", lifetime)
        return .json(
            .ok,
            writer.text,
            headers: [("Set-Cookie", "aegis_token=\(token); HttpOnly; SameSite=Lax; Path=/; Max-Age=\(lifetime)")]
        )
    }

    static func tooLarge() -> StandInResponse {
        .json(.payloadTooLarge, JSONText.error("payload_too_large", "login body over 64 KiB"))
    }

    /// True when `body` is a JSON object whose `email` and `password` are the dev ones.
    static func isDevLogin(_ body: [UInt8]) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let email = object["email"] as? String,
            let password = object["password"] as? String
        else { return false }
        return email == DevCredentials.email && password == DevCredentials.password
    }
}
