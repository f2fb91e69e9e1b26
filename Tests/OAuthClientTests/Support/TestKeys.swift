import Foundation
import JOSESupport
import JWTKit
import OAuthClient
import ProtocolSupport
import Synchronization
import TokenModel
import _CryptoExtras

/// Signing keys made for the tests, with their public halves as JWKs. Keys are generated once
/// per test run (RSA generation is slow in debug builds); signing collections are made per use.
enum TestKeys {
    /// A key that can sign tokens, and the JWK that a server would publish for it.
    struct Signer: Sendable {
        var kid: String
        /// The `alg` jwt-kit writes in the header.
        var algorithm: String
        /// The public JWK as the server publishes it.
        var publicJWK: [String: JSONValue]
        fileprivate var add: @Sendable (JWTKeyCollection, JWKIdentifier) async -> Void

        /// A JWT with these claims, signed by this key with `kid` in the header (or none).
        func sign(_ claims: [String: JSONValue], includeKeyID: Bool = true) async throws -> String {
            let collection = JWTKeyCollection()
            await add(collection, JWKIdentifier(string: kid))
            var header = JWTHeader()
            if includeKeyID { header.kid = kid }
            return try await collection.sign(TestClaims(claims: claims), header: header)
        }

        /// The same key published under another `kid` or with another `alg` field.
        func published(as kid: String? = nil, algorithm: String?? = .none) -> Signer {
            var copy = self
            if let kid {
                copy.kid = kid
                copy.publicJWK["kid"] = .string(kid)
            }
            if case .some(let algorithm) = algorithm {
                copy.publicJWK["alg"] = algorithm.map(JSONValue.string)
            }
            return copy
        }
    }

    static let rsaPrivateKey: JWTKit.Insecure.RSA.PrivateKey = {
        try! JWTKit.Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
    }()

    static let otherRSAPrivateKey: JWTKit.Insecure.RSA.PrivateKey = {
        try! JWTKit.Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
    }()

    static let p256PrivateKey = ES256PrivateKey()
    static let p384PrivateKey = ES384PrivateKey()
    static let ed25519PrivateKey: EdDSA.PrivateKey = try! EdDSA.PrivateKey(curve: .ed25519)

    /// RS256 (PKCS#1 v1.5) with the shared RSA key, published with `alg: RS256`.
    static func rs256(kid: String = "rsa-1", key: JWTKit.Insecure.RSA.PrivateKey = rsaPrivateKey) -> Signer {
        Signer(kid: kid, algorithm: "RS256", publicJWK: rsaJWK(key, kid: kid, algorithm: "RS256")) { collection, kid in
            await collection.add(rsa: key, digestAlgorithm: .sha256, kid: kid)
        }
    }

    /// PS256 with the shared RSA key, published without `alg` (as many servers do).
    static func ps256(kid: String = "rsa-pss") -> Signer {
        let key = rsaPrivateKey
        return Signer(kid: kid, algorithm: "PS256", publicJWK: rsaJWK(key, kid: kid, algorithm: nil)) { collection, kid in
            await collection.add(pss: key, digestAlgorithm: .sha256, kid: kid)
        }
    }

    static func es256(kid: String = "ec-256") -> Signer {
        let key = p256PrivateKey
        let (x, y) = key.publicKey.parameters!
        let jwk: [String: JSONValue] = [
            "kty": .string("EC"), "crv": .string("P-256"), "x": .string(x), "y": .string(y), "kid": .string(kid),
            "use": .string("sig"),
        ]
        return Signer(kid: kid, algorithm: "ES256", publicJWK: jwk) { collection, kid in
            await collection.add(ecdsa: key, kid: kid)
        }
    }

    static func es384(kid: String = "ec-384") -> Signer {
        let key = p384PrivateKey
        let (x, y) = key.publicKey.parameters!
        let jwk: [String: JSONValue] = [
            "kty": .string("EC"), "crv": .string("P-384"), "x": .string(x), "y": .string(y), "kid": .string(kid),
            "alg": .string("ES384"),
        ]
        return Signer(kid: kid, algorithm: "ES384", publicJWK: jwk) { collection, kid in
            await collection.add(ecdsa: key, kid: kid)
        }
    }

    static func edDSA(kid: String = "ed-1") -> Signer {
        let key = ed25519PrivateKey
        let jwk: [String: JSONValue] = [
            "kty": .string("OKP"), "crv": .string("Ed25519"), "x": .string(base64URL(key.publicKey.rawRepresentation)),
            "kid": .string(kid),
        ]
        return Signer(kid: kid, algorithm: "EdDSA", publicJWK: jwk) { collection, kid in
            await collection.add(eddsa: key, kid: kid)
        }
    }

    /// A JWKS document publishing these keys, plus any extra raw entries.
    static func jwks(_ signers: [Signer], extra: [JSONValue] = []) -> Data {
        Data(JSONValue.object(["keys": .array(signers.map { .object($0.publicJWK) } + extra)]).compactText.utf8)
    }

    /// The shared RSA key's public half as PEM: the "secret" of the key-confusion attack.
    static var rsaPublicKeyPEM: String { rsaPrivateKey.publicKey.pemRepresentation }

    /// A token assembled by hand from JSON text, for headers no honest signer would write.
    static func handBuilt(header: String, claims: String, signature: [UInt8] = []) -> String {
        [base64URL(Data(header.utf8)), base64URL(Data(claims.utf8)), base64URL(Data(signature))].joined(separator: ".")
    }

    static func base64URL(_ data: Data) -> String {
        Base64URL.encode(data)
    }

    private static func rsaJWK(_ key: JWTKit.Insecure.RSA.PrivateKey, kid: String, algorithm: String?) -> [String: JSONValue] {
        let primitives = try! key.publicKey.getKeyPrimitives()
        var jwk: [String: JSONValue] = [
            "kty": .string("RSA"), "n": .string(base64URL(primitives.modulus)),
            "e": .string(base64URL(primitives.publicExponent)),
            "kid": .string(kid), "use": .string("sig"),
        ]
        if let algorithm { jwk["alg"] = .string(algorithm) }
        return jwk
    }
}

/// Claims as plain JSON, for signing with jwt-kit.
struct TestClaims: JWTPayload {
    var claims: [String: JSONValue]

    init(claims: [String: JSONValue]) {
        self.claims = claims
    }

    init(from decoder: any Decoder) throws {
        claims = try [String: JSONValue](from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try claims.encode(to: encoder)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 += seconds }
    }
}

/// A key-set endpoint in memory: counts its fetches and serves whatever the test sets.
final class FakeJWKSEndpoint: Sendable {
    private let state: Mutex<(document: Data, failure: (status: Int, summary: String)?, fetches: Int)>

    init(_ document: Data) {
        state = Mutex((document, nil, 0))
    }

    var fetches: Int { state.withLock { $0.fetches } }

    func publish(_ document: Data) {
        state.withLock {
            $0.document = document
            $0.failure = nil
        }
    }

    /// Answers every fetch with this status, as the lead's HTTP fetch reports it.
    func fail(status: Int, summary: String) {
        state.withLock { $0.failure = (status, summary) }
    }

    /// The closure a `JWKSCache` fetches with.
    var fetch: @Sendable (URL) async throws -> Data {
        { url in
            try self.state.withLock { state in
                state.fetches += 1
                if let failure = state.failure {
                    throw OAuthError.httpStatus(failure.status, summary: failure.summary, endpoint: URLText.describe(url))
                }
                return state.document
            }
        }
    }
}
