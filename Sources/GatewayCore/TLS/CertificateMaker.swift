public import Crypto
import Foundation
import SwiftASN1
public import X509

/// Makes certificates in memory: the self-signed one `dev --tls` serves, and the CAs, chains and
/// leaves the tests need (no private key is ever committed).
public enum CertificateMaker {
    /// A certificate with its key, both PEM.
    public struct Issued {
        public let certificate: Certificate
        public let key: P256.Signing.PrivateKey
        public var certificatePEM: String { ((try? certificate.serializeAsPEM().pemString) ?? "") + "\n" }
        public var keyPEM: String { key.pemRepresentation + "\n" }
    }

    /// A CA certificate, self-signed, or signed by `issuer` (an intermediate).
    public static func authority(name: String, issuer: Issued? = nil) throws -> Issued {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
        }
        return try sign(key: key, subject: subject, extensions: extensions, issuer: issuer)
    }

    /// A server certificate for `hosts` (names, or IPv4/IPv6 addresses), self-signed when no
    /// issuer is given.
    public static func server(hosts: [String], issuer: Issued? = nil) throws -> Issued {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(hosts.first ?? "localhost") }
        let names: [GeneralName] = hosts.map { host in
            if let address = IPAddress(parsing: host) {
                switch address {
                case .v4(let value):
                    return .ipAddress(
                        ASN1OctetString(contentBytes: ArraySlice(withUnsafeBytes(of: value.bigEndian) { Array($0) })))
                case .v6(let high, let low):
                    let bytes =
                        withUnsafeBytes(of: high.bigEndian) { Array($0) }
                        + withUnsafeBytes(of: low.bigEndian) { Array($0) }
                    return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes)))
                }
            }
            return .dnsName(host)
        }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames(names)
        }
        return try sign(key: key, subject: subject, extensions: extensions, issuer: issuer)
    }

    private static func sign(
        key: P256.Signing.PrivateKey, subject: DistinguishedName, extensions: Certificate.Extensions, issuer: Issued?
    ) throws -> Issued {
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 30 * 86400,
            issuer: issuer?.certificate.subject ?? subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: .init(issuer?.key ?? key))
        return Issued(certificate: certificate, key: key)
    }
}
