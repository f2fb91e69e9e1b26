import Foundation
import JOSESupport
import TokenModel

/// Splits an access token into its JOSE header and claims, without checking anything.
///
/// Splitting is `CompactJWS`'s, the one every reader of a JWT shares; a token that is not three
/// base64url parts with a JSON-object header and payload is opaque. Nothing here throws or
/// logs, and the token itself never appears in any result.
public enum TokenDecoder {
    /// The token's header and claims when it is a JWT; `.opaque` otherwise.
    public static func decode(_ token: String) -> DecodedToken {
        switch inspect(token) {
        case .jwt(let decoded): return decoded
        case .notJWT: return DecodedToken(format: .opaque)
        }
    }

    /// What `inspect` found: a JWT, or why the token is not one.
    public enum Inspection: Sendable {
        case jwt(DecodedToken)
        /// `looksLikeJWT` is set when the token has three segments and a JSON header with an
        /// `alg`: it was meant to be a JWT, so the reason is worth showing as a failure.
        case notJWT(reason: String, looksLikeJWT: Bool)
    }

    /// Decodes the token, and when it is not a JWT says why in words.
    public static func inspect(_ token: String) -> Inspection {
        let jws: CompactJWS
        do {
            jws = try CompactJWS(token)
        } catch {
            return .notJWT(reason: error.description, looksLikeJWT: error.header?["alg"] != nil)
        }
        let looksLikeJWT = jws.header["alg"] != nil
        guard let claims = jws.claims else {
            return .notJWT(reason: "its payload is not a JSON object", looksLikeJWT: looksLikeJWT)
        }
        guard jws.signature != nil else {
            return .notJWT(reason: "its signature part is not base64url", looksLikeJWT: looksLikeJWT)
        }
        return .jwt(DecodedToken(format: .jwt, header: jws.header, claims: claims))
    }
}
