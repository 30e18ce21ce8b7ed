import ArgumentParser
import Foundation
import GatewayCore

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print a token signed with JWT_SECRET that the gateway accepts."
    )

    @Option(name: .customLong("user-id"), help: "The user_id claim.")
    var userID: String

    @Option(help: "Comma-separated roles.")
    var roles: String = ""

    @Option(help: "Lifetime: 90s, 30m, 24h or 7d.")
    var ttl: String = "24h"

    func validate() throws {
        guard Duration.parseTTL(ttl) != nil else { throw ValidationError("--ttl must look like 90s, 30m, 24h or 7d") }
        guard (1...256).contains(userID.unicodeScalars.count) else {
            throw ValidationError("--user-id must be 1-256 characters")
        }
    }

    func run() throws {
        let configuration = try loadConfiguration(profile: .serve)
        let roleList = roles.split(separator: ",").map { String($0.trimmingCharacters(in: .whitespaces)) }.filter {
            !$0.isEmpty
        }
        let minter = JWTMinter(secret: configuration.jwtSecret, issuer: configuration.jwtIssuer ?? "aegis-gateway")
        let token = minter.mint(
            userID: userID, roles: roleList, ttlSeconds: Duration.parseTTL(ttl)!,
            now: Int64(Date().timeIntervalSince1970))
        print(token)
    }
}

extension Duration {
    /// Seconds in "90s", "30m", "24h", "7d" (a bare number is seconds).
    static func parseTTL(_ text: String) -> Int64? {
        guard let last = text.last else { return nil }
        let unit: Int64
        var digits = Substring(text)
        switch last {
        case "s":
            unit = 1
            digits = digits.dropLast()
        case "m":
            unit = 60
            digits = digits.dropLast()
        case "h":
            unit = 3600
            digits = digits.dropLast()
        case "d":
            unit = 86400
            digits = digits.dropLast()
        default: unit = 1
        }
        guard let n = Int64(digits), n > 0, n <= Int64.max / unit else { return nil }
        return n * unit
    }
}
