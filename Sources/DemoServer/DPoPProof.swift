import Foundation
import JOSESupport
import JWTKit
import TokenModel

/// Why a DPoP proof (RFC 9449) was refused: `invalid_dpop_proof`, or `use_dpop_nonce` when the
/// server wants its nonce in the proof.
struct DPoPProofError: Error, Equatable {
    enum Code: String {
        case invalidProof = "invalid_dpop_proof"
        case useNonce = "use_dpop_nonce"
    }

    let code: Code
    let detail: String

    static func invalid(_ detail: String) -> Self { .init(code: .invalidProof, detail: detail) }
}

/// Checks DPoP proofs (RFC 9449 §4.3) for one server: `typ`, an allowed `alg`, a public `jwk`
/// the signature verifies with, `htm`, `htu`, `iat` within a minute of this server's clock, a
/// `jti` never seen before, `ath` for a resource request, and the server's nonce when it asks
/// for one. Answers the RFC 7638 thumbprint of the proof's key.
struct DPoPVerifier: Sendable {
    /// The algorithms proofs may use, for metadata and challenges.
    static let algorithms = ["ES256", "PS256", "RS256"]
    /// How far a proof's `iat` may be from this server's clock, either way.
    static let iatWindow: TimeInterval = 60
    /// Members that would make the header's JWK a private key.
    private static let privateMembers: Set<String> = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]

    let clock: any TokenClock
    let replay: DPoPReplayCache

    /// Verifies `proof` for a `method` request to `url`; `accessToken` is set for resource
    /// requests (`ath`), `nonce` when the server requires one.
    func verify(
        _ proof: String, method: String, url: URL, accessToken: String?, nonce: String?
    ) async throws(DPoPProofError) -> String {
        guard let jws = try? CompactJWS(proof) else { throw .invalid("the DPoP proof is not a JWT") }
        guard let claims = try? JSONDecoder().decode(ProofClaims.self, from: jws.payload) else {
            throw .invalid("the DPoP proof's claims are not a JSON object of the RFC 9449 types")
        }
        let header = jws.header
        guard header["typ"]?.stringValue == "dpop+jwt" else { throw .invalid("the DPoP proof's typ must be dpop+jwt") }
        guard let algorithm = header["alg"]?.stringValue, Self.algorithms.contains(algorithm) else {
            throw .invalid("the DPoP proof's alg must be one of \(Self.algorithms.joined(separator: ", "))")
        }
        guard var jwk = header["jwk"]?.objectValue else { throw .invalid("the DPoP proof has no jwk header") }
        guard Self.privateMembers.isDisjoint(with: jwk.keys) else {
            throw .invalid("the DPoP proof's jwk holds a private key")
        }
        let thumbprint: String
        do {
            thumbprint = try JWKThumbprint.sha256(ofJWK: jwk)
        } catch {
            throw .invalid("the DPoP proof's jwk is not a usable public key: \(error.description)")
        }
        // The header's alg picks the verifying algorithm, whatever the JWK says; jwt-kit files
        // every key under a kid, and the one key here is the default for the proof (which has none).
        jwk["alg"] = .string(algorithm)
        jwk["kid"] = .string("dpop-proof")
        do {
            let key = try JSONDecoder().decode(JWK.self, from: JSONEncoder().encode(JSONValue.object(jwk)))
            _ = try await JWTKeyCollection().add(jwk: key).verify(proof, as: SignatureOnly.self)
        } catch {
            throw .invalid("the DPoP proof's signature does not verify with its jwk")
        }
        guard let jti = claims.jti, !jti.isEmpty, jti.count <= 256 else {
            throw .invalid("the DPoP proof has no jti")
        }
        guard claims.htm == method else { throw .invalid("the DPoP proof's htm is not \(method)") }
        guard let htu = claims.htu, Self.withoutQuery(htu) == Self.withoutQuery(url.absoluteString) else {
            throw .invalid("the DPoP proof's htu is not \(Self.withoutQuery(url.absoluteString))")
        }
        guard let iat = claims.iat, iat.isFinite else { throw .invalid("the DPoP proof has no numeric iat") }
        let now = clock.now().timeIntervalSince1970
        guard abs(iat - now) <= Self.iatWindow else {
            throw .invalid("the DPoP proof's iat is more than \(Int(Self.iatWindow))s from the server's time")
        }
        if let accessToken {
            guard claims.ath == JWKThumbprint.accessTokenHash(accessToken) else {
                throw .invalid("the DPoP proof's ath is not the hash of the access token")
            }
        }
        if let nonce, claims.nonce != nonce {
            throw DPoPProofError(code: .useNonce, detail: "Authorization server requires nonce in DPoP proof")
        }
        let until = Date(timeIntervalSince1970: now + 2 * Self.iatWindow)
        guard await replay.admit("\(thumbprint) \(jti)", until: until, now: clock.now()) else {
            throw .invalid("the DPoP proof's jti was already used")
        }
        return thumbprint
    }

    /// `htu` is compared without query and fragment (RFC 9449 §4.3, point 9).
    private static func withoutQuery(_ text: String) -> String {
        guard var components = URLComponents(string: text) else { return text }
        components.query = nil
        components.fragment = nil
        return components.string ?? text
    }

    /// The claims of RFC 9449 §4.2, each optional so a missing one gets its own error.
    private struct ProofClaims: Decodable {
        var jti: String?
        var htm: String?
        var htu: String?
        var iat: Double?
        var ath: String?
        var nonce: String?
    }

    /// Claims are judged above; jwt-kit only checks the signature.
    private struct SignatureOnly: JWTPayload {
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}

/// The proof ids a server has seen, each kept until no proof with it could still be fresh.
actor DPoPReplayCache {
    private var seen: [String: Date] = [:]

    /// False when `key` was seen before (a replay).
    func admit(_ key: String, until: Date, now: Date) -> Bool {
        if seen.count > 10_000 { seen = seen.filter { $0.value > now } }
        guard seen[key].map({ $0 <= now }) ?? true else { return false }
        seen[key] = until
        return true
    }
}

/// The nonce a demo server hands out and asks DPoP proofs to carry while the nonce challenge is
/// on (RFC 9449 §8, §9): the server's side, where `OAuthClient.DPoPNonce` is the client's
/// judgement of a `DPoP-Nonce` header it received.
struct ServerDPoPNonce: Sendable {
    let value: String

    init(random: DemoRandomSource) { value = random.token(byteCount: 16) }
}
