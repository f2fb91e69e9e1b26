import Crypto
import Foundation
import NIOSSL
import ProtocolSupport
import TokenConfig
import TokenModel
import X509

/// The TLS client certificate of a client (`tls-client-certificate-file`, `tls-client-key-file`),
/// presented for mutual TLS (RFC 8705): to authenticate with `tls_client_auth`, and to receive
/// and use certificate-bound tokens.
public struct ClientCertificate: Sendable {
    /// The certificate first, then any intermediates from the same file.
    let chain: [NIOSSLCertificate]
    let privateKey: NIOSSLPrivateKey
    /// The base64url SHA-256 of the certificate's DER: what a bound token's `cnf.x5t#S256` must be
    /// (RFC 8705 §3.1).
    public let thumbprint: String

    /// Reads both files and checks that the key is the certificate's: a pair that does not
    /// belong together fails every handshake with an obscure TLS alert, so it is refused here.
    public static func load(certificateFile: String, keyFile: String, client: String) throws(OAuthError) -> ClientCertificate {
        // Read by LocalFile's rules, not NIOSSL's: a FIFO or a device is refused at once.
        let certificatePEM: Data
        let keyText: String
        do {
            certificatePEM = try LocalFile.read(certificateFile)
        } catch {
            throw OAuthError.configuration("client \(client): tls-client-certificate-file \(error)")
        }
        do {
            keyText = try LocalFile.readText(keyFile)
        } catch {
            throw OAuthError.configuration("client \(client): tls-client-key-file \(error)")
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM))
        } catch {
            throw OAuthError.configuration(
                "client \(client): tls-client-certificate-file \(certificateFile) holds no PEM certificate (\(error))")
        }
        guard let leaf = chain.first, let der = try? leaf.toDERBytes() else {
            throw OAuthError.configuration(
                "client \(client): tls-client-certificate-file \(certificateFile) holds no certificate")
        }
        if let type = ClientCertificateKeyType(certificateDER: der), !type.isSupported {
            throw OAuthError.configuration(
                "client \(client): tls-client-certificate-file \(certificateFile) \(type.unsupportedReason)")
        }
        let certificate: Certificate
        let key: Certificate.PrivateKey
        do {
            certificate = try Certificate(derEncoded: der)
        } catch {
            throw OAuthError.configuration(
                "client \(client): tls-client-certificate-file \(certificateFile) is not a readable X.509 certificate (\(error))")
        }
        let noKey = OAuthError.configuration(
            "client \(client): tls-client-key-file \(keyFile) holds no PEM private key (RSA, EC or PKCS#8)")
        do {
            key = try Certificate.PrivateKey(pemEncoded: keyText)
        } catch {
            throw noKey
        }
        guard key.publicKey == certificate.publicKey else {
            throw OAuthError.configuration(
                "client \(client): tls-client-key-file \(keyFile) is not the private key of the certificate in "
                    + "\(certificateFile) (their public keys differ); configure the key that belongs to the certificate")
        }
        // swift-nio-ssl hashes the key by its DER encoding, with `try!`: a key BoringSSL cannot
        // encode is refused here, not handed over to trap.
        guard let sslKey = try? NIOSSLPrivateKey(bytes: Array(keyText.utf8), format: .pem) else { throw noKey }
        guard (try? sslKey.derBytes) != nil else {
            throw OAuthError.configuration(
                "client \(client): the TLS library cannot use the key in tls-client-key-file \(keyFile); "
                    + "mutual TLS takes \(ClientCertificateKeyType.supportedList) keys")
        }
        return ClientCertificate(
            chain: chain, privateKey: sslKey, thumbprint: Base64URL.encode(Data(SHA256.hash(data: Data(der)))))
    }
}
