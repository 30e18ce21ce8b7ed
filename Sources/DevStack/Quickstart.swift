/// Copy-paste curl lines for a gateway running in dev mode, printed at start so a new
/// user gets from "it started" to "I made an authorised call" without reading docs.
///
/// - Parameters:
///   - gatewayBaseURL: the gateway's public base URL, e.g. `http://127.0.0.1:8000`.
///   - curlOptions: added to every curl line (`--cacert FILE` for dev TLS).
public func quickstart(gatewayBaseURL: String, curlOptions: String = "") -> String {
    let base = gatewayBaseURL.hasSuffix("/") ? String(gatewayBaseURL.dropLast()) : gatewayBaseURL
    let curl = curlOptions.isEmpty ? "curl" : "curl \(curlOptions)"
    let login =
        "\(curl) -s -X POST \(base)/api/v1/auth/token -H 'Content-Type: application/json' "
        + "-d '{\"email\":\"\(DevCredentials.email)\",\"password\":\"\(DevCredentials.password)\"}'"
    // sed rather than jq or python: present on every machine that has bash and curl.
    let capture = "TOKEN=$(\(login) | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')"
    return """
        AEGIS gateway dev mode: \(base)
        Dev login: \(DevCredentials.email) / \(DevCredentials.password) (roles: \(DevCredentials.roles.joined(separator: ",")))

        # log in
        \(login)

        # keep the token in $TOKEN
        \(capture)

        # an authorised call
        \(curl) -s \(base)/api/v1/conversations -H "Authorization: Bearer $TOKEN"

        # a Server-Sent Events stream
        \(curl) -N \(base)/api/v1/agents/a1/stream/c1 -H "Authorization: Bearer $TOKEN"

        """
}
