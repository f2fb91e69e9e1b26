import Foundation
import JOSESupport
import OAuthClient
import ProtocolSupport
import TokenModel

extension FuzzTarget {
    /// The fixed key set the JWT target verifies against: public halves of one RSA and one P-256
    /// key whose private halves signed the seed tokens in `Tests/FuzzCorpus/jwt` (then discarded).
    static let jwtKeySet = #"""
        {"keys":[{"kty":"RSA","kid":"fuzz-rsa","use":"sig","alg":"RS256","n":"ycn02eoALxZ0EbTYO4otoZ7PecuILmgJRkgtAsX2PTSQMWPfQjnhzI-3JgX6C06xOMElRGNsfuGufcFvqZl1R6RjrExh3y7qjhL4j4buXE1UNrfGHdWd0gox5_mYcMzADXDqAJGffuBXilaz_xa0tS81-pqeNwhWGCNCa9WXD6qDSbH5sWH5FG05IT37a9yMgsm94GdgLTPiBqxP8xNvMT6nMv9y5oC1IoWPYuHmBkyz2qe7Mygp1-nfqf3f-YI_3ezVBJALooN4B6nTYZPGOnXalFJ0uxfWEm_XPgSBunJojm7Ohmvh-PpmXfcyM7nMknrc5oE-rvuEAlFGq0Znuw","e":"AQAB"},{"kty":"EC","kid":"fuzz-ec","use":"sig","alg":"ES256","crv":"P-256","x":"QSY5eGdvWrqwVL750Kj7CtRvWb1q_Gampw04OvT4uFg","y":"LuFdvA2MdlcoqGsMqI-JTw_k1aqP5XBy5dO6BQ3kWKI"}]}
        """#
    /// The seed tokens' issuer, audience and moment: they were issued at 1_800_000_000.
    static let jwtIssuer = "https://as.fuzz.test"
    static let jwtAudience = "api"
    static let jwtNow = Date(timeIntervalSince1970: 1_800_000_100)

    /// An access token decoded (`TokenDecoder`) and verified (`TokenVerifier`) against a fixed
    /// key set. Input: the token's text.
    static let jwt = FuzzTarget(
        "jwt", "JWT decoding and verification against a fixed key set",
        async: { data throws(PropertyViolation) in
            let name = "jwt"
            let token = text(data)
            switch TokenDecoder.inspect(token) {
            case .jwt(let decoded):
                _ = decoded.scopes
                _ = decoded.keyID
            case .notJWT(let reason, _):
                try Expect.printable(reason, "why a token is not a JWT", target: name)
            }
            let keys: JWKSCache
            do throws(JWKSError) {
                keys = try JWKSCache(jwksData: Data(jwtKeySet.utf8), source: "the fuzz key set")
            } catch {
                throw PropertyViolation(name, "the fixed key set is readable", found: error.reason)
            }
            let verifier = TokenVerifier(
                keys: keys, expectedIssuer: jwtIssuer, expectedAudience: jwtAudience, leeway: .seconds(60), now: { jwtNow })
            let verification = await verifier.check(token)
            for verdict in [verification.signature, verification.verdict] + (verification.claims.map { [$0] } ?? []) {
                try Expect.printable(verdict.reason, "a verdict's reason", target: name)
                try Expect.that(
                    token.count < 40 || token.contains(" ") || !Expect.contains(verdict.reason, token),
                    "a verdict never repeats the token",
                    found: verdict.reason, target: name)
            }
            if verification.verdict.status == .verified {
                // Verified means the claims were checked too: the issuer, the audience, the window.
                let claims = TokenDecoder.decode(token).claims
                let audiences =
                    claims["aud"].map { $0.arrayValue?.compactMap(\.stringValue) ?? [$0.stringValue].compactMap { $0 } } ?? []
                let exp = claims["exp"]?.numberValue ?? -.infinity
                try Expect.that(
                    claims["iss"]?.stringValue == jwtIssuer && audiences.contains(jwtAudience)
                        && exp > jwtNow.timeIntervalSince1970 - 60,
                    "a verified token has the expected issuer, audience and an exp still to come",
                    found: "iss \(claims["iss"]?.compactText ?? "none"), aud \(audiences), exp \(exp)", target: name)
            }
            for segment in token.split(separator: ".", omittingEmptySubsequences: false).prefix(3) {
                if let bytes = Base64URL.decode(segment) {
                    try Expect.that(
                        Base64URL.decode(Base64URL.encode(bytes)) == bytes, "base64url decodes what it encodes",
                        found: String(segment.prefix(60)), target: name)
                }
            }
        })
}
