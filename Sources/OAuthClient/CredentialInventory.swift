import Foundation
import NIOSSL
import TokenConfig
import TokenModel
import X509

/// Every credential behind a client's token that has an end, read from its configuration and
/// files as they are now: the mutual-TLS certificate and the earliest end in its chain, the
/// certificate of the `private_key_jwt` key, the secret's end date, and the claims of the last
/// federated assertion sent. Files are read on each call, so a rotated certificate is seen.
public enum CredentialInventory {
    /// The credentials of `configuration`, with `assertion` the one last sent, if any.
    public static func credentials(of configuration: ClientConfiguration, assertion: CredentialExpiry?) -> [CredentialExpiry] {
        var credentials: [CredentialExpiry] = []
        if let file = configuration.tlsClientCertificateFile {
            credentials += certificates(inFile: file, kind: .certificate)
        }
        if configuration.authenticationMethod == .privateKeyJWT, let file = configuration.clientAssertionCertificateFile {
            credentials += certificates(inFile: file, kind: .keyCertificate)
        }
        if let end = configuration.clientSecretExpiresAt {
            credentials.append(CredentialExpiry(kind: .secret, subject: configuration.clientID, expiresAt: end))
        }
        if let assertion { credentials.append(assertion) }
        return credentials
    }

    /// The leaf certificate's end, and also the chain's earliest when an intermediate in the same
    /// file ends before it. Nothing for a file that holds no readable certificate: the token
    /// request reports that file, where the operator looks.
    public static func certificates(inFile path: String, kind: CredentialExpiry.Kind) -> [CredentialExpiry] {
        guard let chain = try? parsedChain(inFile: path), let leaf = chain.first else { return [] }
        var found = [CredentialExpiry(kind: kind, subject: commonName(of: leaf), expiresAt: leaf.notValidAfter)]
        if let earliest = chain.dropFirst().min(by: { $0.notValidAfter < $1.notValidAfter }),
            earliest.notValidAfter < leaf.notValidAfter
        {
            found.append(
                CredentialExpiry(
                    kind: kind, subject: commonName(of: earliest), expiresAt: earliest.notValidAfter,
                    details: ["chain": "intermediate of \(commonName(of: leaf))"]))
        }
        return found
    }

    /// The certificates of a PEM file, leaf first.
    static func parsedChain(inFile path: String) throws -> [Certificate] {
        let pem = try LocalFile.read(path)
        return try NIOSSLCertificate.fromPEMBytes(Array(pem)).map { try Certificate(derEncoded: try $0.toDERBytes()) }
    }

    /// `CN=mod-client`, or the whole subject when it names no common name.
    static func commonName(of certificate: Certificate) -> String {
        let parts = String(describing: certificate.subject).split(separator: ",").map(String.init)
        return TerminalText.sanitize(parts.first { $0.hasPrefix("CN=") } ?? parts.joined(separator: ","))
    }
}
