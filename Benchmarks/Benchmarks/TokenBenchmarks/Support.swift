import Foundation
import JWTKit
import OAuthClient
import ProtocolSupport
import Synchronization
import TokenModel
import _CryptoExtras

/// What a benchmark's setup prepares for its measured closure: setup hooks return nothing, so
/// they leave their work here, and teardown empties it.
final class Prepared<Value: Sendable>: Sendable {
    private let slot = Mutex<Value?>(nil)

    func store(_ value: Value?) {
        slot.withLock { $0 = value }
    }

    /// The prepared value; a benchmark that runs without its setup is a bug, so this traps.
    var value: Value {
        guard let value = slot.withLock({ $0 }) else { fatalError("benchmark ran before its setup") }
        return value
    }

    func take() -> Value? {
        slot.withLock { value in
            defer { value = nil }
            return value
        }
    }
}

/// Setup failed in a way that would make the measurement meaningless.
struct BenchmarkSetupFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A freshly generated 2048-bit RSA key that signs RS256 tokens, and its public JWKS.
struct RS256Signer: Sendable {
    let kid: String
    let privateKey: JWTKit.Insecure.RSA.PrivateKey

    /// Generates the key (real RSA key generation, done once per benchmark setup).
    init(kid: String = "bench-rsa-1") throws {
        self.kid = kid
        privateKey = try JWTKit.Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
    }

    /// The JWKS document a server would publish for this key.
    func jwks() throws -> Data {
        let primitives = try privateKey.publicKey.getKeyPrimitives()
        let jwk: [String: JSONValue] = [
            "kty": .string("RSA"), "n": .string(Self.base64URL(primitives.modulus)),
            "e": .string(Self.base64URL(primitives.publicExponent)), "kid": .string(kid), "use": .string("sig"),
            "alg": .string("RS256"),
        ]
        return Data(JSONValue.object(["keys": .array([.object(jwk)])]).compactText.utf8)
    }

    /// An RS256 JWT with these claims and this key's `kid` in the header.
    func sign(_ claims: [String: JSONValue]) async throws -> String {
        let collection = JWTKeyCollection()
        await collection.add(rsa: privateKey, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        var header = JWTHeader()
        header.kid = kid
        return try await collection.sign(PlainClaims(claims: claims), header: header)
    }

    /// Claims shaped like an Okta access token for a client-credentials client.
    static func accessTokenClaims(issuer: String, audience: String, clientID: String, now: Date) -> [String: JSONValue] {
        let issuedAt = now.timeIntervalSince1970.rounded(.down)
        return [
            "ver": .number(1), "jti": .string("AT.q3v9S0Jc1nE7bWkJ4Rz3yOa2hXQmPZfL5dTgU8iVw0A"),
            "iss": .string(issuer), "aud": .string(audience), "iat": .number(issuedAt), "exp": .number(issuedAt + 3600),
            "cid": .string(clientID), "sub": .string(clientID), "client_id": .string(clientID),
            "scp": .array([.string("custom_mod"), .string("billing.read")]), "scope": .string("custom_mod billing.read"),
            "tenant": .object(["id": .number(42), "region": .string("eu-west-1")]),
        ]
    }

    static func base64URL<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        Base64URL.encode(Data(bytes))
    }
}

/// Claims as plain JSON, for signing with jwt-kit.
struct PlainClaims: JWTPayload {
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

/// A jwt-kit key collection loaded once from a JWKS document.
struct JWTKeyCollectionBox: Sendable {
    let collection: JWTKeyCollection

    init(jwks: Data) async throws {
        collection = JWTKeyCollection()
        try await collection.add(jwksJSON: String(decoding: jwks, as: UTF8.self))
    }
}
