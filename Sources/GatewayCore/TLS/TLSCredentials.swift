import Foundation
public import NIOSSL
import SwiftASN1
import X509

/// The public port's certificate chain and key, read and checked together (SPEC §17): TLS 1.2
/// and 1.3 only, ALPN `h2` then `http/1.1`, the chain sent whole.
public struct TLSCredentials: Sendable {
    public let context: NIOSSLContext
    /// Certificates in the chain file, leaf first.
    public let chainLength: Int

    /// ALPN names in order of preference.
    static let protocols = ["h2", "http/1.1"]

    /// Reads both files. Every problem names the variable whose file it is.
    public static func load(certificateFile: String, keyFile: String) throws(ConfigurationError) -> TLSCredentials {
        try make(
            chainPEM: read(certificateFile, variable: "TLS_CERT_FILE"), keyPEM: read(keyFile, variable: "TLS_KEY_FILE"),
            certificateFile: certificateFile, keyFile: keyFile)
    }

    /// A pair given as PEM text (`dev --tls`, tests), checked as the files are.
    public static func make(
        chainPEM: String, keyPEM: String, certificateFile: String = "(in memory)", keyFile: String = "(in memory)"
    ) throws(ConfigurationError) -> TLSCredentials {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8))
        } catch {
            throw ConfigurationError("TLS_CERT_FILE", value: certificateFile, "no PEM certificate could be read")
        }
        guard let leaf = chain.first else {
            throw ConfigurationError("TLS_CERT_FILE", value: certificateFile, "no PEM certificate in the file")
        }
        let key: NIOSSLPrivateKey
        let keyPublic: Certificate.PublicKey
        do {
            key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
            keyPublic = try Certificate.PrivateKey(pemEncoded: keyPEM).publicKey
        } catch {
            throw ConfigurationError(
                "TLS_KEY_FILE", value: keyFile, "no PEM private key (RSA, ECDSA or Ed25519) could be read")
        }
        let leafPublic: Certificate.PublicKey
        do {
            leafPublic = try Certificate(derEncoded: leaf.toDERBytes()).publicKey
        } catch {
            throw ConfigurationError(
                "TLS_CERT_FILE", value: certificateFile, "the first certificate could not be parsed")
        }
        guard keyPublic == leafPublic else {
            throw ConfigurationError("TLS_KEY_FILE", value: keyFile, "does not match the certificate of TLS_CERT_FILE")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = protocols
        do {
            return TLSCredentials(context: try NIOSSLContext(configuration: configuration), chainLength: chain.count)
        } catch {
            throw ConfigurationError("TLS_CERT_FILE", value: certificateFile, "refused by the TLS library: \(error)")
        }
    }

    private static func read(_ path: String, variable: String) throws(ConfigurationError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(variable, value: path, "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(variable, value: path, "is not a PEM text file")
        }
        return text
    }
}
