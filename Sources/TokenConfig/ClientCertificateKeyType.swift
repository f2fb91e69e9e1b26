import Foundation
import SwiftASN1
import TokenModel

/// The type of key a client certificate holds (`tls-client-certificate-file`), read from its
/// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7): the one reading of it, for the configuration (which
/// reports a wrong type at its line) and for the client that loads the certificate.
public enum ClientCertificateKeyType: Sendable, Equatable, CustomStringConvertible {
    case rsa
    case p256
    case p384
    case p521
    /// Any other type, by name when known (`Ed25519`, `Ed448`, `X25519`, an EC curve), else by OID.
    case other(String)

    /// The types mutual TLS can present, as a message lists them.
    public static let supportedList = "RSA, EC P-256, EC P-384 or EC P-521"

    /// True for the types the TLS library (BoringSSL, through swift-nio-ssl) can sign a handshake
    /// with and encode: an Ed25519 key loads, but swift-nio-ssl traps when it hashes the TLS
    /// configuration (BoringSSL's `i2d_PrivateKey` cannot encode it); Ed448 and X25519 do not load.
    public var isSupported: Bool {
        if case .other = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .rsa: "RSA"
        case .p256: "EC P-256"
        case .p384: "EC P-384"
        case .p521: "EC P-521"
        case .other(let name): name
        }
    }

    /// Why a certificate of this type cannot be used, as the end of a sentence about its file.
    public var unsupportedReason: String {
        "holds a certificate whose key type is \(description); mutual TLS takes \(Self.supportedList) keys"
    }

    /// The type of the certificate in `der`; nil when `der` is not an X.509 certificate.
    public init?(certificateDER der: [UInt8]) {
        // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
        // signature, issuer, validity, subject, subjectPublicKeyInfo, … }, … }
        guard let root = try? DER.parse(der), case .constructed(let certificate) = root.content,
            let tbsNode = certificate.first(where: { _ in true }), case .constructed(let tbs) = tbsNode.content
        else { return nil }
        var fields = Array(tbs)
        if fields.first?.identifier.tagClass == .contextSpecific { fields.removeFirst() }
        guard fields.count > 5, case .constructed(let publicKeyInfo) = fields[5].content,
            let algorithmNode = publicKeyInfo.first(where: { _ in true }),
            case .constructed(let algorithm) = algorithmNode.content
        else { return nil }
        let parts = Array(algorithm)
        guard let first = parts.first, let oid = try? ASN1ObjectIdentifier(derEncoded: first) else { return nil }
        let parameter = parts.dropFirst().first.flatMap { try? ASN1ObjectIdentifier(derEncoded: $0) }
        self = Self.named(oid, curve: parameter)
    }

    /// The type of the first certificate in a PEM text; nil when it holds none.
    public init?(certificatePEM text: String) {
        guard let documents = try? PEMDocument.parseMultiple(pemString: text),
            let certificate = documents.first(where: { $0.discriminator == "CERTIFICATE" })
        else { return nil }
        self.init(certificateDER: certificate.derBytes)
    }

    /// Why the certificate in `path` cannot be used for mutual TLS, as the end of a sentence about
    /// the file; nil when its type is supported, and when there is no certificate to read here: a
    /// file that is not a regular one of at most 1 MiB (reading a FIFO would block), or that
    /// holds no PEM certificate (the client says so when it loads it).
    public static func problem(inCertificateFile path: String) -> String? {
        guard let text = try? LocalFile.readText(path),
            let type = ClientCertificateKeyType(certificatePEM: text), !type.isSupported
        else { return nil }
        return type.unsupportedReason
    }

    private static func named(_ oid: ASN1ObjectIdentifier, curve: ASN1ObjectIdentifier?) -> ClientCertificateKeyType {
        switch oid {
        case .AlgorithmIdentifier.rsaEncryption: return .rsa
        case .AlgorithmIdentifier.idEcPublicKey:
            switch curve {
            case ASN1ObjectIdentifier.NamedCurves.secp256r1?: return .p256
            case ASN1ObjectIdentifier.NamedCurves.secp384r1?: return .p384
            case ASN1ObjectIdentifier.NamedCurves.secp521r1?: return .p521
            case let curve?: return .other("EC curve \(curve)")
            case nil: return .other("EC without a named curve")
            }
        case .AlgorithmIdentifier.rsaPSS: return .other("RSA-PSS")
        case [1, 3, 101, 110]: return .other("X25519")
        case [1, 3, 101, 111]: return .other("X448")
        case [1, 3, 101, 112]: return .other("Ed25519")
        case [1, 3, 101, 113]: return .other("Ed448")
        case [1, 2, 840, 10040, 4, 1]: return .other("DSA")
        default: return .other("unknown (OID \(oid))")
        }
    }
}
