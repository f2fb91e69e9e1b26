import Crypto
import Foundation
import ProtocolSupport
import TokenModel

/// The RFC 7638 thumbprint of a public JWK: SHA-256 over the key's required members, in
/// lexicographic order with no whitespace, base64url without padding. It names the key a DPoP
/// token is bound to (`cnf.jkt`, RFC 9449 §6.1). jwt-kit 5.8.0 has no thumbprint of its own.
public enum JWKThumbprint {
    /// Why a JWK has no thumbprint.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The thumbprint of a JWK given as a JSON object; only its required members count.
    public static func sha256(ofJWK jwk: [String: JSONValue]) throws(Failure) -> String {
        guard let keyType = jwk["kty"]?.stringValue else { throw Failure(description: "the JWK has no kty") }
        let required: [String]
        switch keyType {
        case "EC": required = ["crv", "kty", "x", "y"]
        case "RSA": required = ["e", "kty", "n"]
        case "OKP": required = ["crv", "kty", "x"]
        default: throw Failure(description: "kty \(keyType.prefix(20)) has no RFC 7638 thumbprint here")
        }
        var members: [String] = []
        for name in required {
            guard let value = jwk[name]?.stringValue, !value.isEmpty else {
                throw Failure(description: "the \(keyType) JWK lacks \(name)")
            }
            members.append("\"\(name)\":\(jsonString(value))")
        }
        let canonical = "{" + members.joined(separator: ",") + "}"
        return Base64URL.encode(Data(SHA256.hash(data: Data(canonical.utf8))))
    }

    /// The `ath` of a DPoP proof (RFC 9449 §4.2): base64url of the SHA-256 of the access token's ASCII.
    public static func accessTokenHash(_ accessToken: String) -> String {
        Base64URL.encode(Data(SHA256.hash(data: Data(accessToken.utf8))))
    }

    /// A JSON string literal; base64url members never need escapes, but a hostile key might.
    /// The members are written by hand, not encoded as an object, because RFC 7638 fixes their
    /// order and spacing and an encoder promises neither.
    private static func jsonString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}
