import Foundation
import JWTKit
import TokenModel

/// Why a token was refused, in words.
public struct VerificationRefusal: Error, Sendable {
    public var reason: String
    /// What failed: the signature, the token's times, or its issuer and audience.
    public var failure: SignatureVerdict.Failure

    public init(_ reason: String, failure: SignatureVerdict.Failure = .signature) {
        self.reason = reason
        self.failure = failure
    }
}

/// The signature algorithms an access token may use: asymmetric ones only.
public enum JWTSignatureAlgorithm: String, CaseIterable, Sendable {
    case rs256 = "RS256"
    case rs384 = "RS384"
    case rs512 = "RS512"
    case ps256 = "PS256"
    case ps384 = "PS384"
    case ps512 = "PS512"
    case es256 = "ES256"
    case es384 = "ES384"
    case es512 = "ES512"
    case edDSA = "EdDSA"

    /// The header's `alg` when it is one tokentop verifies, else the reason it is refused.
    public static func accepting(_ header: [String: JSONValue]) -> Result<JWTSignatureAlgorithm, VerificationRefusal> {
        guard let value = header["alg"] else { return .failure(VerificationRefusal("the header has no alg")) }
        guard let name = value.stringValue else {
            return .failure(VerificationRefusal("alg is not a string: \(JWTText.quoted(value.compactText))"))
        }
        if name.lowercased() == "none" {
            return .failure(VerificationRefusal("alg none is never accepted: an unsigned token proves nothing"))
        }
        if name.uppercased().hasPrefix("HS") {
            return .failure(
                VerificationRefusal(
                    "\(TerminalText.sanitize(name)) is a shared-secret algorithm; an access token from an authorization server must be signed with its private key"
                ))
        }
        guard let algorithm = JWTSignatureAlgorithm(rawValue: name) else {
            let supported = allCases.map(\.rawValue).joined(separator: ", ")
            return .failure(VerificationRefusal("alg \(JWTText.quoted(name)) is not supported (supported: \(supported))"))
        }
        if let critical = header["crit"] {
            return .failure(
                VerificationRefusal(
                    "the header marks \(JWTText.quoted(critical.compactText)) as critical, and tokentop does not understand them")
            )
        }
        return .success(algorithm)
    }

    private var keyType: String {
        switch self {
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512: "RSA"
        case .es256, .es384, .es512: "EC"
        case .edDSA: "OKP"
        }
    }

    private var curve: String? {
        switch self {
        case .es256: "P-256"
        case .es384: "P-384"
        case .es512: "P-521"
        case .edDSA: "Ed25519"
        default: nil
        }
    }

    /// Why `jwk` cannot check this algorithm (as "is …"), or nil when it can.
    public func mismatch(with jwk: JWK) -> String? {
        let keyType = jwk.keyType.rawValue
        guard keyType == self.keyType else {
            return "is an \(keyType) key; \(rawValue) needs an \(self.keyType) key"
        }
        if let curve, let keyCurve = jwk.curve?.rawValue, keyCurve != curve {
            return "is on curve \(keyCurve); \(rawValue) needs \(curve)"
        }
        if let published = jwk.algorithm?.rawValue, published != rawValue {
            return "is published for \(published) only; the token says \(rawValue)"
        }
        return nil
    }
}
