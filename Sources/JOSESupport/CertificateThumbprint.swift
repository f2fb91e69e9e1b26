import Crypto
import Foundation
import ProtocolSupport
import TokenModel

/// The SHA-256 thumbprint of an X.509 certificate: base64url without padding of the SHA-256 of
/// its DER encoding. It names the certificate a mutual-TLS token is bound to (`cnf.x5t#S256`,
/// RFC 8705 §3.1), as the JWS header parameter of the same name does (RFC 7515 §4.1.8).
public enum CertificateThumbprint {
    /// The thumbprint of a certificate given as its DER bytes.
    public static func sha256(ofDER der: some DataProtocol) -> String {
        Base64URL.encode(Data(SHA256.hash(data: Data(der))))
    }
}
