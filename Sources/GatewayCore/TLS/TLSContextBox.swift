import Logging
import NIOConcurrencyHelpers
import NIOSSL

/// The TLS context new connections get. SIGHUP reads the files again (SPEC §17): a good pair
/// replaces the context for connections accepted from then on; a bad one is logged and the old
/// one kept. Connections already open keep the context they began with.
final class TLSContextBox: Sendable {
    private let box: NIOLockedValueBox<NIOSSLContext>
    private let certificateFile: String?
    private let keyFile: String?

    init(_ credentials: TLSCredentials, certificateFile: String?, keyFile: String?) {
        box = NIOLockedValueBox(credentials.context)
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    var current: NIOSSLContext { box.withLockedValue { $0 } }

    /// Reads the files again. Returns whether the new pair is now in use.
    @discardableResult
    func reload(logger: Logger) -> Bool {
        guard let certificateFile, let keyFile else { return false }
        do {
            let credentials = try TLSCredentials.load(certificateFile: certificateFile, keyFile: keyFile)
            box.withLockedValue { $0 = credentials.context }
            logger.info("TLS certificate reloaded", metadata: ["chain": "\(credentials.chainLength)"])
            return true
        } catch {
            logger.error(
                "TLS certificate not reloaded, the previous one stays", metadata: ["error": "\(error.description)"])
            return false
        }
    }
}
