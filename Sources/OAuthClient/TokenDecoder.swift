import Foundation
import JWTKit
import TokenModel

/// Splits an access token into its JOSE header and claims, without checking anything.
///
/// Parsing is jwt-kit's (`DefaultJWTParser`); a token it cannot read as three base64url
/// segments with a JSON-object header and payload is opaque. Nothing here throws or logs,
/// and the token itself never appears in any result.
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
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3 else {
            return .notJWT(reason: "it has \(segments.count) dot-separated parts; a JWT has 3", looksLikeJWT: false)
        }
        do {
            let parsed = try DefaultJWTParser().parse(Array(token.utf8), as: JWTClaimsPayload.self)
            let header = parsed.header.fields.mapValues(JSONValue.init(headerField:))
            return .jwt(DecodedToken(format: .jwt, header: header, claims: parsed.payload.claims))
        } catch {
            return diagnose(segments)
        }
    }

    /// jwt-kit says only that parsing failed; this finds which segment is at fault.
    private static func diagnose(_ segments: [Substring]) -> Inspection {
        guard let headerData = base64URLDecoded(segments[0]) else {
            return .notJWT(reason: "its first part is not base64url", looksLikeJWT: false)
        }
        guard let header = JSONValue(data: headerData)?.objectValue else {
            return .notJWT(reason: "its first part is not a JSON object", looksLikeJWT: false)
        }
        let looksLikeJWT = header["alg"] != nil
        guard let payloadData = base64URLDecoded(segments[1]) else {
            return .notJWT(reason: "its payload is not base64url", looksLikeJWT: looksLikeJWT)
        }
        guard JSONValue(data: payloadData)?.objectValue != nil else {
            return .notJWT(reason: "its payload is not a JSON object", looksLikeJWT: looksLikeJWT)
        }
        return .notJWT(reason: "its signature part is not base64url", looksLikeJWT: looksLikeJWT)
    }

    /// Only for diagnosis: the decoding that counts is jwt-kit's.
    private static func base64URLDecoded(_ segment: Substring) -> Data? {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        guard segment.allSatisfy(alphabet.contains) else { return nil }
        var text = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        return Data(base64Encoded: text)
    }
}

/// The claims of a JWT exactly as sent, for jwt-kit to decode after it has checked a signature.
/// Its `verify` accepts everything: `TokenVerifier` checks the claims itself so that every
/// failure can be explained in words.
struct JWTClaimsPayload: JWTPayload {
    let claims: [String: JSONValue]

    init(from decoder: any Decoder) throws {
        claims = try [String: JSONValue](from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try claims.encode(to: encoder)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

extension JSONValue {
    /// A header field as jwt-kit parsed it, in the module's own JSON type.
    init(headerField field: JWTHeaderField) {
        switch field {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .number(Double(value))
        case .decimal(let value): self = .number(value)
        case .string(let value): self = .string(value)
        case .array(let values): self = .array(values.map(JSONValue.init(headerField:)))
        case .object(let values): self = .object(values.mapValues(JSONValue.init(headerField:)))
        }
    }
}
