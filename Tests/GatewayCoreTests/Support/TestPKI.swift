import Foundation
import NIOSSL

@testable import GatewayCore

/// Certificates made for one test: a root CA, an intermediate, and a server certificate for
/// localhost and 127.0.0.1 issued by the intermediate. Clients trust the root only, so a server
/// that does not send its whole chain fails their handshake.
struct TestPKI {
    let root: CertificateMaker.Issued
    let intermediate: CertificateMaker.Issued
    let leaf: CertificateMaker.Issued

    init() throws {
        root = try CertificateMaker.authority(name: "AEGIS test root")
        intermediate = try CertificateMaker.authority(name: "AEGIS test intermediate", issuer: root)
        leaf = try CertificateMaker.server(hosts: ["localhost", "127.0.0.1"], issuer: intermediate)
    }

    /// Leaf first, then the intermediate (the root is the client's).
    var chainPEM: String { leaf.certificatePEM + intermediate.certificatePEM }

    func credentials() throws -> TLSCredentials {
        try TLSCredentials.make(chainPEM: chainPEM, keyPEM: leaf.keyPEM)
    }

    /// A client context trusting the root only, offering `alpn`.
    func clientContext(
        alpn: [String] = ["h2", "http/1.1"], maximumVersion: TLSVersion? = nil, minimumVersion: TLSVersion? = nil
    ) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates([
            try NIOSSLCertificate(bytes: Array(root.certificatePEM.utf8), format: .pem)
        ])
        configuration.certificateVerification = .noHostnameVerification
        configuration.applicationProtocols = alpn
        if let maximumVersion { configuration.maximumTLSVersion = maximumVersion }
        if let minimumVersion { configuration.minimumTLSVersion = minimumVersion }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Writes the chain and the key to files in a new temporary folder.
    func writeFiles() throws -> (certificate: String, key: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let certificate = folder.appendingPathComponent("chain.pem").path
        let key = folder.appendingPathComponent("key.pem").path
        try chainPEM.write(toFile: certificate, atomically: true, encoding: .utf8)
        try leaf.keyPEM.write(toFile: key, atomically: true, encoding: .utf8)
        return (certificate, key)
    }
}
