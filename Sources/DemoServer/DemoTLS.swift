import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import TokenConfig
import X509

/// The demo's mutual-TLS material (RFC 8705), new on every start: a CA, a server certificate for
/// the listening host and loopback signed by it, and a client certificate for each
/// `tls_client_auth` client. Every key is ECDSA P-256.
///
/// Certificates are dated by the system clock, not the servers' injected one: BoringSSL checks
/// them against the wall clock in every handshake.
struct DemoCertificateAuthority: Sendable {
    /// The organisation every demo certificate names.
    static let organization = "tokentop demo"
    /// How long the certificates are valid; the demo makes new ones on every start.
    static let validity: TimeInterval = 365 * 24 * 3600

    /// The CA's own, self-signed certificate: what clients trust (`ca-file`).
    let certificate: Certificate
    private let key: P256.Signing.PrivateKey

    /// Makes a new CA.
    init() throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName(Self.organization)
            CommonName("tokentop demo CA")
        }
        let now = Date()
        certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(Self.validity),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
        self.key = key
    }

    /// The CA certificate as PEM.
    var certificatePEM: String {
        get throws { try certificate.serializeAsPEM().pemString }
    }

    /// A server certificate for `host` (when it is a name or address of its own) and for
    /// `localhost`, `127.0.0.1` and `::1`, the names a loopback demo is reached by.
    func serverCertificate(host: String) throws -> IssuedCertificate {
        var names: [GeneralName] = [
            .dnsName("localhost"),
            .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
            .ipAddress(ASN1OctetString(contentBytes: ArraySlice(repeating: 0, count: 15) + [1])),
        ]
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if !["", "0.0.0.0", "::", "localhost", "127.0.0.1", "::1"].contains(bare) {
            if let address = Self.addressBytes(bare) {
                names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(address))))
            } else {
                names.append(.dnsName(bare))
            }
        }
        return try issue(commonName: bare.isEmpty ? "localhost" : bare) {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames(names)
        }
    }

    /// A client certificate whose subject is `CN=commonName,O=tokentop demo`: what a
    /// `tls_client_auth` client registers (RFC 8705 §2.1.2, `tls_client_auth_subject_dn`).
    func clientCertificate(commonName: String) throws -> IssuedCertificate {
        try issue(commonName: commonName) {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.clientAuth])
        }
    }

    /// The subject of the certificates this CA issues for `commonName`.
    static func subject(commonName: String) throws -> DistinguishedName {
        try DistinguishedName {
            OrganizationName(organization)
            CommonName(commonName)
        }
    }

    private func issue(
        commonName: String, @ExtensionsBuilder extensions: () throws -> Result<Certificate.Extensions, any Error>
    ) throws -> IssuedCertificate {
        let leafKey = P256.Signing.PrivateKey()
        let now = Date()
        var allExtensions = try Certificate.Extensions(builder: extensions)
        try allExtensions.append(
            Certificate.Extension(
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier),
                critical: false))
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(leafKey.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(Self.validity),
            issuer: certificate.subject, subject: try Self.subject(commonName: commonName),
            signatureAlgorithm: .ecdsaWithSHA256, extensions: allExtensions,
            issuerPrivateKey: Certificate.PrivateKey(key))
        return IssuedCertificate(certificate: leaf, key: leafKey)
    }

    /// The bytes of an IPv4 or IPv6 address literal; nil for a name.
    private static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// The TLS configuration of both mutual-TLS listeners: the server certificate, and client
    /// certificates asked for but optional (`optionalVerification`). One that is presented must
    /// chain to this CA, or the handshake fails; whether the request needed one is the
    /// endpoint's decision (RFC 8705 §2, §3).
    func serverTLSConfiguration(_ server: IssuedCertificate) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: try server.certificateDER, format: .der))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(server.keyPEM.utf8), format: .pem)))
        configuration.certificateVerification = .optionalVerification
        configuration.trustRoots = .certificates([
            try NIOSSLCertificate(bytes: try IssuedCertificate.der(certificate), format: .der)
        ])
        return configuration
    }
}

/// A certificate the demo CA issued, and its private key.
struct IssuedCertificate: Sendable {
    let certificate: Certificate
    let key: P256.Signing.PrivateKey

    /// The certificate as PEM.
    var certificatePEM: String {
        get throws { try certificate.serializeAsPEM().pemString }
    }

    /// The private key as PKCS #8 PEM.
    var keyPEM: String { key.pemRepresentation }

    /// The certificate's DER encoding.
    var certificateDER: [UInt8] {
        get throws { try Self.der(certificate) }
    }

    /// The DER encoding of `certificate`.
    static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }
}

/// The files of the demo's mutual-TLS material that a tokentop configuration names.
public struct DemoTLSFiles: Sendable, Equatable {
    /// The CA certificate (PEM): `ca-file`.
    public let certificateAuthority: String
    /// Each `tls_client_auth` client's certificate and key files, by client name.
    public let clients: [String: ClientFiles]

    /// One client's `tls-client-certificate-file` and `tls-client-key-file`.
    public struct ClientFiles: Sendable, Equatable {
        /// The client certificate (PEM).
        public let certificate: String
        /// Its private key (PKCS #8 PEM).
        public let key: String
    }

    /// Writes the CA certificate and every client's certificate and key into `folder`, each
    /// mode 0600, as `PREFIXdemo-ca.pem`, `PREFIXNAME.tls-certificate.pem` and `PREFIXNAME.tls-key.pem`.
    static func write(
        caPEM: String, clients: [(name: String, certificatePEM: String, keyPEM: String)], into folder: URL, prefix: String
    ) throws -> DemoTLSFiles {
        func write(_ text: String, named name: String) throws -> String {
            let path = folder.appending(path: prefix + name).path
            do {
                try ConfigurationWriter.writeAtomically(text, to: path)
            } catch {
                throw DemoServerError.keyFileNotWritable(path: path, underlying: error)
            }
            return path
        }
        let caFile = try write(caPEM, named: "demo-ca.pem")
        var files: [String: ClientFiles] = [:]
        for client in clients {
            files[client.name] = ClientFiles(
                certificate: try write(client.certificatePEM, named: "\(client.name).tls-certificate.pem"),
                key: try write(client.keyPEM, named: "\(client.name).tls-key.pem"))
        }
        return DemoTLSFiles(certificateAuthority: caFile, clients: files)
    }
}
