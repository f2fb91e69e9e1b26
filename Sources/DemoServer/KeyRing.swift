import Foundation
import JWTKit
import ProtocolSupport
import TokenModel
import _CryptoExtras

/// The authorization server's RS256 signing keys: the current one, and the ones it replaced,
/// each published in the JWKS until its overlap period ends so tokens it signed still verify.
actor KeyRing {
    private struct PublishedKey {
        let kid: String
        let publicKey: JWTKit.Insecure.RSA.PublicKey
        /// When a newer key replaced this one; nil for the current key.
        var retiredAt: Date?
    }

    private let clock: any TokenClock
    private let random: DemoRandomSource
    private let overlap: Duration
    private let signers = JWTKeyCollection()
    private var published: [PublishedKey] = []

    /// Makes the first key.
    init(clock: any TokenClock, random: DemoRandomSource, overlap: Duration) async throws {
        self.clock = clock
        self.random = random
        self.overlap = overlap
        try await rotate()
    }

    /// The key id new tokens are signed with.
    var currentKID: String { published.last!.kid }

    /// Replaces the signing key with a freshly generated one; the old key stays published for
    /// the overlap period, or is dropped at once when `breaking`.
    func rotate(breaking: Bool = false) async throws {
        let key: JWTKit.Insecure.RSA.PrivateKey
        do {
            key = try JWTKit.Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
        } catch {
            throw DemoServerError.keyGenerationFailed(error)
        }
        let kid = random.token(byteCount: 12)
        await signers.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        let now = clock.now()
        for index in published.indices where published[index].retiredAt == nil {
            // Retired a whole overlap ago, so the prune below removes it now.
            published[index].retiredAt = breaking ? now.addingTimeInterval(-overlap.timeInterval) : now
        }
        published.append(PublishedKey(kid: kid, publicKey: key.publicKey, retiredAt: nil))
        await pruneRetiredKeys()
    }

    /// Signs an access token with the current key, `typ: at+jwt` (RFC 9068 §2.1).
    func sign(_ claims: AccessTokenClaims) async throws -> String {
        var header = JWTHeader()
        header.typ = "at+jwt"
        let kid = currentKID
        return try await signers.sign(claims, kid: JWKIdentifier(string: kid), header: header)
    }

    /// The JWKS (RFC 7517): every key still within its overlap period, newest last.
    func jwks() async throws -> JWKS {
        await pruneRetiredKeys()
        return JWKS(
            keys: try published.map { key in
                let primitives = try key.publicKey.getKeyPrimitives()
                return JWK.rsa(
                    .rs256, identifier: JWKIdentifier(string: key.kid),
                    modulus: Base64URL.encode(primitives.modulus), exponent: Base64URL.encode(primitives.publicExponent))
            })
    }

    /// Verifies a token this server signed with a key still published, and decodes its claims.
    /// Claims are not judged here: expiry, revocation and audience are the caller's business.
    func verify(_ token: String) async throws -> AccessTokenClaims {
        await pruneRetiredKeys()
        return try await signers.verify(token, as: AccessTokenClaims.self)
    }

    private func pruneRetiredKeys() async {
        let now = clock.now()
        let expired = published.filter { key in
            guard let retiredAt = key.retiredAt else { return false }
            return now >= retiredAt.addingTimeInterval(overlap.timeInterval)
        }
        for key in expired {
            _ = await signers.remove(kid: JWKIdentifier(string: key.kid))
        }
        published.removeAll { key in expired.contains { $0.kid == key.kid } }
    }
}

/// The claims of an access token, shaped per RFC 9068 §2.2, plus Okta's `scp` and `cid`.
struct AccessTokenClaims: JWTPayload, Equatable {
    var iss: String
    var sub: String
    var aud: String
    var exp: Int
    var iat: Int
    var nbf: Int
    var jti: String
    var client_id: String
    var scope: String
    var scp: [String]
    var cid: String
    /// What a sender-constrained token is bound to; absent for bearer tokens.
    var cnf: Confirmation?

    /// The `cnf` claim (RFC 7800): a DPoP key, a TLS client certificate, or both.
    struct Confirmation: Codable, Equatable, Sendable {
        /// The RFC 7638 thumbprint of the DPoP key (RFC 9449 §6.1).
        var jkt: String?
        /// The SHA-256 thumbprint of the TLS client certificate (RFC 8705 §3.1).
        var x5tS256: String?

        /// Nil when the token is bound to nothing.
        init?(jkt: String?, x5tS256: String?) {
            guard jkt != nil || x5tS256 != nil else { return nil }
            self.jkt = jkt
            self.x5tS256 = x5tS256
        }

        private enum CodingKeys: String, CodingKey {
            case jkt
            case x5tS256 = "x5t#S256"
        }
    }

    /// Signature checks only: the claims are judged by the caller against its injected clock,
    /// which jwt-kit's own claim checks cannot see.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
