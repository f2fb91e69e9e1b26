import Foundation
import JOSESupport
import NIOCore
import NIOSSL
import X509

/// The certificate a client presented in the TLS handshake (RFC 8705): already verified against
/// the demo CA by the TLS layer, so only its identity is left to judge.
struct PresentedCertificate: Sendable, Equatable {
    /// Its SHA-256 thumbprint: what `cnf.x5t#S256` of a token bound to it holds (RFC 8705 §3.1).
    let thumbprint: String
    /// Its subject, matched against a `tls_client_auth` client's registered one (RFC 8705 §2.1.2).
    let subject: DistinguishedName

    /// Nil when the certificate does not parse as X.509.
    init?(_ certificate: NIOSSLCertificate) {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return nil }
        thumbprint = CertificateThumbprint.sha256(ofDER: der)
        subject = parsed.subject
    }
}

/// Which listener a request came through, and for the mutual-TLS one, what the client presented.
enum ConnectionIdentity: Sendable, Equatable {
    /// The plain HTTP listener: no client certificate is possible.
    case plaintext
    /// A mutual-TLS listener; nil when the client presented no certificate.
    case mutualTLS(PresentedCertificate?)

    /// The presented certificate, if any.
    var clientCertificate: PresentedCertificate? {
        if case .mutualTLS(let certificate) = self { return certificate }
        return nil
    }

    /// What the client on `channel` presented, for a request that came through `listener`.
    static func of(_ channel: any Channel, listener: DemoListener) async -> ConnectionIdentity {
        switch listener {
        case .plain: return .plaintext
        case .mutualTLS:
            guard let certificate = try? await channel.nioSSL_peerCertificate().get() else { return .mutualTLS(nil) }
            return .mutualTLS(PresentedCertificate(certificate))
        }
    }
}

/// The two kinds of listener each demo server may have.
enum DemoListener: Sendable, Equatable {
    /// `http://`, always there.
    case plain
    /// `https://` asking for client certificates, with `--tls` (`DemoServerOptions.tls`).
    case mutualTLS
}
