import Foundation
import GatewayCore

/// `dev --tls`: a certificate for localhost issued by a throwaway CA, both made at each start and
/// never kept (as mkcert does: clients trust the CA, the server sends the leaf).
enum DevTLS {
    /// Puts the certificate in `configuration` and returns the path of a copy of the CA's
    /// certificate (no key), for `curl --cacert` or a browser's trust store.
    static func enable(_ configuration: inout GatewayConfiguration) throws -> String {
        let authority = try CertificateMaker.authority(name: "AEGIS dev CA (made at start, never kept)")
        let issued = try CertificateMaker.server(hosts: ["localhost", "127.0.0.1", "::1"], issuer: authority)
        configuration.tls = try TLSCredentials.make(chainPEM: issued.certificatePEM, keyPEM: issued.keyPEM)
        configuration.tlsCertificateFile = nil
        configuration.tlsKeyFile = nil
        if ProcessInfo.processInfo.environment["API_GATEWAY_PORT"] == nil { configuration.port = 8443 }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-dev-ca.pem").path
        try authority.certificatePEM.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
