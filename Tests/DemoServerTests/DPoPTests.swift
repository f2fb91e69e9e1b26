import DemoServer
import Foundation
import JOSESupport
import JWTKit
import ProtocolSupport
import Testing
import TokenModel
import _CryptoExtras

@Suite("DPoP (RFC 9449): the dpop-client, bound tokens, proofs at /mod, nonces")
struct DPoPTests {
    static let options = DemoServerOptions(clients: DemoClientSpec.standardSet + [DemoClientSpec.dpopClient])

    private func admin(_ demo: DemoEnvironment, _ json: String) async throws -> Answer {
        try await HTTP.send(
            demo.endpoints.adminFaultsURL, post: true,
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(demo.adminToken)")],
            body: Data(json.utf8))
    }

    /// A token request of dpop-client, with `proof` in the `DPoP` header when given.
    private func requestToken(_ demo: DemoEnvironment, proof: String?) async throws -> Answer {
        let client = demo.client("dpop-client")
        return try await HTTP.postForm(
            demo.tokenEndpoint, [("grant_type", "client_credentials")], basic: (client.clientID, client.secret!),
            headers: proof.map { [("DPoP", $0)] } ?? [])
    }

    /// A DPoP-bound token for `key`.
    private func boundToken(_ demo: DemoEnvironment, key: ProofKey) async throws -> String {
        let answer = try await requestToken(demo, proof: try await key.proof(htm: "POST", htu: demo.tokenEndpoint))
        #expect(answer.json["token_type"] as? String == "DPoP", "\(answer.text)")
        return try #require(answer.json["access_token"] as? String)
    }

    private func callMod(_ demo: DemoEnvironment, token: String, proof: String?, scheme: String = "DPoP") async throws -> Answer {
        var headers = [("Authorization", "\(scheme) \(token)")]
        if let proof { headers.append(("DPoP", proof)) }
        return try await HTTP.send(demo.resourceURL, headers: headers)
    }

    @Test("the RFC 7638 example thumbprint, and joserfc agrees on an EC key")
    func thumbprint() async throws {
        // RFC 7638 §3.1.
        let rsa: [String: String] = [
            "kty": "RSA", "e": "AQAB", "alg": "RS256", "kid": "2011-04-29",
            "n":
                "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        ]
        #expect(try JWKThumbprint.sha256(ofJWK: rsa.mapValues(JSONValue.string)) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        let incomplete = ["kty": "EC", "crv": "P-256", "x": "a"].mapValues(JSONValue.string)
        #expect(throws: JWKThumbprint.Failure.self) { try JWKThumbprint.sha256(ofJWK: incomplete) }
        let symmetric = ["kty": "oct", "k": "a"].mapValues(JSONValue.string)
        #expect(throws: JWKThumbprint.Failure.self) { try JWKThumbprint.sha256(ofJWK: symmetric) }

        let key = ProofKey()
        let independent = try await Validator.run(
            ["thumbprint"], input: try JSONEncoder().encode(JSONValue.object(key.jwkObject)))
        #expect(independent.passed, "\(independent.output)")
        #expect(independent.output == key.thumbprint)
    }

    @Test("metadata lists dpop_signing_alg_values_supported")
    func metadata() async throws {
        try await withDemo(Self.options) { demo in
            let json = try await HTTP.get(demo.endpoints.metadataURL).json
            #expect(json["dpop_signing_alg_values_supported"] as? [String] == ["ES256", "PS256", "RS256"])
        }
    }

    @Test("dpop-client without a proof is refused; with one it gets a DPoP token bound by cnf.jkt, also in introspection")
    func boundTokens() async throws {
        try await withDemo(Self.options) { demo in
            let missing = try await requestToken(demo, proof: nil)
            #expect(missing.status == 400)
            #expect(missing.error == "invalid_dpop_proof")
            #expect(missing.json["error_description"] as? String == "The DPoP proof JWT header is missing.")

            let key = ProofKey()
            let token = try await boundToken(demo, key: key)
            let claims = jwtParts(token).claims
            #expect((claims["cnf"] as? [String: Any])?["jkt"] as? String == key.thumbprint)
            let introspection = try await demo.introspect(token).json
            #expect(introspection["token_type"] as? String == "DPoP")
            #expect((introspection["cnf"] as? [String: Any])?["jkt"] as? String == key.thumbprint)

            // Any client may send a proof; its token is then bound too.
            let other = demo.client("mod-client")
            let bound = try await HTTP.postForm(
                demo.tokenEndpoint, [("grant_type", "client_credentials")], basic: (other.clientID, other.secret!),
                headers: [("DPoP", try await key.proof(htm: "POST", htu: demo.tokenEndpoint))])
            #expect(bound.json["token_type"] as? String == "DPoP")
        }
    }

    @Test("/mod takes a bound token with a matching proof, in both validation modes", arguments: TokenValidationMode.allCases)
    func resourceAccepts(mode: TokenValidationMode) async throws {
        var options = Self.options
        options.validationMode = mode
        try await withDemo(options) { demo in
            let key = ProofKey()
            let token = try await boundToken(demo, key: key)
            let proof = try await key.proof(htm: "GET", htu: demo.resourceURL, accessToken: token)
            let answer = try await callMod(demo, token: token, proof: proof)
            #expect(answer.status == 200, "\(answer.header("WWW-Authenticate") ?? answer.text)")
            #expect(answer.text.contains("dpop-client"))
        }
    }

    @Test("every wrong proof at /mod is refused with a DPoP challenge", arguments: TokenValidationMode.allCases)
    func resourceRefusals(mode: TokenValidationMode) async throws {
        var options = Self.options
        options.validationMode = mode
        try await withDemo(options) { demo in
            let key = ProofKey()
            let token = try await boundToken(demo, key: key)
            let url = demo.resourceURL
            let replayed = try await key.proof(htm: "GET", htu: url, accessToken: token)
            #expect(try await callMod(demo, token: token, proof: replayed).status == 200)
            let cases: [(name: String, scheme: String, proof: String?, error: String)] = [
                ("bound token as Bearer", "Bearer", nil, "invalid_token"),
                ("no proof", "DPoP", nil, "invalid_dpop_proof"),
                ("replayed jti", "DPoP", replayed, "invalid_dpop_proof"),
                ("wrong htm", "DPoP", try await key.proof(htm: "POST", htu: url, accessToken: token), "invalid_dpop_proof"),
                (
                    "wrong htu", "DPoP", try await key.proof(htm: "GET", htu: demo.tokenEndpoint, accessToken: token),
                    "invalid_dpop_proof"
                ),
                (
                    "old iat", "DPoP",
                    try await key.proof(htm: "GET", htu: url, accessToken: token, iat: Date().addingTimeInterval(-300)),
                    "invalid_dpop_proof"
                ),
                (
                    "future iat", "DPoP",
                    try await key.proof(htm: "GET", htu: url, accessToken: token, iat: Date().addingTimeInterval(300)),
                    "invalid_dpop_proof"
                ),
                ("no ath", "DPoP", try await key.proof(htm: "GET", htu: url), "invalid_dpop_proof"),
                (
                    "ath of another token", "DPoP", try await key.proof(htm: "GET", htu: url, accessToken: token + "x"),
                    "invalid_dpop_proof"
                ),
                (
                    "typ JWT", "DPoP", try await key.proof(htm: "GET", htu: url, accessToken: token, typ: "JWT"),
                    "invalid_dpop_proof"
                ),
                (
                    "private key in jwk", "DPoP",
                    try await key.proof(htm: "GET", htu: url, accessToken: token, extraJWK: ["d": .string("AAAA")]),
                    "invalid_dpop_proof"
                ),
                (
                    "jwk of another key", "DPoP",
                    try await key.proof(htm: "GET", htu: url, accessToken: token, jwkOf: ProofKey()), "invalid_dpop_proof"
                ),
                (
                    "another key's proof", "DPoP", try await ProofKey().proof(htm: "GET", htu: url, accessToken: token),
                    "invalid_token"
                ),
                ("not a JWT", "DPoP", "not-a-jwt", "invalid_dpop_proof"),
            ]
            for testCase in cases {
                let answer = try await callMod(demo, token: token, proof: testCase.proof, scheme: testCase.scheme)
                #expect(answer.status == 401, "\(testCase.name)")
                let challenge = answer.header("WWW-Authenticate") ?? ""
                #expect(
                    challenge.hasPrefix("DPoP realm=\"tokentop-demo\", algs=\"ES256 PS256 RS256\""),
                    "\(testCase.name): \(challenge)")
                #expect(challenge.contains("error=\"\(testCase.error)\""), "\(testCase.name): \(challenge)")
            }
            // A bearer token presented with the DPoP scheme is not bound.
            let bearer = try await demo.token(for: "mod-client")
            let unbound = try await callMod(
                demo, token: bearer, proof: try await key.proof(htm: "GET", htu: url, accessToken: bearer))
            #expect(unbound.status == 401)
            #expect(unbound.header("WWW-Authenticate")?.contains("the token is not DPoP-bound") == true)
        }
    }

    @Test("proofs by RSA keys work too, with RS256 and PS256", arguments: [ProofKey.Algorithm.rs256, .ps256])
    func rsaProofs(algorithm: ProofKey.Algorithm) async throws {
        try await withDemo(Self.options) { demo in
            let key = ProofKey(algorithm)
            let token = try await boundToken(demo, key: key)
            #expect((jwtParts(token).claims["cnf"] as? [String: Any])?["jkt"] as? String == key.thumbprint)
            let answer = try await callMod(
                demo, token: token, proof: try await key.proof(htm: "GET", htu: demo.resourceURL, accessToken: token))
            #expect(answer.status == 200)
        }
    }

    @Test("DPoP challenges are well-formed (RFC 9110 syntax, RFC 9449 §7.1 errors)")
    func challengeSyntax() async throws {
        try await withDemo(Self.options) { demo in
            let key = ProofKey()
            let token = try await boundToken(demo, key: key)
            _ = try await admin(demo, #"{"dpop_nonce": true}"#)
            let answers = [
                try await callMod(demo, token: token, proof: nil, scheme: "Bearer"),
                try await callMod(demo, token: token, proof: "not-a-jwt"),
                try await callMod(
                    demo, token: token, proof: try await key.proof(htm: "GET", htu: demo.resourceURL, accessToken: token)),
            ]
            for answer in answers {
                let header = try #require(answer.header("WWW-Authenticate"))
                let result = try await Validator.run(["challenge", header])
                #expect(result.passed, "\(header): \(result.output)")
            }
        }
    }

    @Test("wrong proofs at the token endpoint are invalid_dpop_proof")
    func tokenEndpointRefusals() async throws {
        try await withDemo(Self.options) { demo in
            let key = ProofKey()
            let url = demo.tokenEndpoint
            let used = try await key.proof(htm: "POST", htu: url)
            #expect(try await requestToken(demo, proof: used).status == 200)
            let proofs: [(String, String)] = [
                ("replayed jti", used),
                ("wrong htm", try await key.proof(htm: "GET", htu: url)),
                ("wrong htu", try await key.proof(htm: "POST", htu: demo.introspectionEndpoint)),
                ("old iat", try await key.proof(htm: "POST", htu: url, iat: Date().addingTimeInterval(-120))),
                ("typ JWT", try await key.proof(htm: "POST", htu: url, typ: "JWT")),
                ("jwk of another key", try await key.proof(htm: "POST", htu: url, jwkOf: ProofKey())),
            ]
            for (name, proof) in proofs {
                let answer = try await requestToken(demo, proof: proof)
                #expect(answer.status == 400, "\(name)")
                #expect(answer.error == "invalid_dpop_proof", "\(name): \(answer.text)")
            }
        }
    }

    @Test("the nonce challenge: use_dpop_nonce with DPoP-Nonce at the token endpoint and at /mod, then success")
    func nonces() async throws {
        try await withDemo(Self.options) { demo in
            #expect(try await admin(demo, #"{"dpop_nonce": true}"#).json["dpop_nonce"] as? Bool == true)
            let key = ProofKey()
            let first = try await requestToken(demo, proof: try await key.proof(htm: "POST", htu: demo.tokenEndpoint))
            #expect(first.status == 400)
            #expect(first.error == "use_dpop_nonce")
            let nonce = try #require(first.header("DPoP-Nonce"))
            let retried = try await requestToken(
                demo, proof: try await key.proof(htm: "POST", htu: demo.tokenEndpoint, nonce: nonce))
            #expect(retried.status == 200, "\(retried.text)")
            let token = try #require(retried.json["access_token"] as? String)

            let refused = try await callMod(
                demo, token: token, proof: try await key.proof(htm: "GET", htu: demo.resourceURL, accessToken: token))
            #expect(refused.status == 401)
            #expect(refused.header("WWW-Authenticate")?.contains("error=\"use_dpop_nonce\"") == true)
            let resourceNonce = try #require(refused.header("DPoP-Nonce"))
            let served = try await callMod(
                demo, token: token,
                proof: try await key.proof(htm: "GET", htu: demo.resourceURL, accessToken: token, nonce: resourceNonce))
            #expect(served.status == 200)
        }
    }
}

/// A key that signs DPoP proofs the way a client does (RFC 9449 §4.2): ES256 by default, or
/// RSA with RS256 or PS256.
struct ProofKey {
    enum Algorithm: String, CaseIterable {
        case es256 = "ES256"
        case rs256 = "RS256"
        case ps256 = "PS256"
    }

    private enum Key {
        case ec(ES256PrivateKey)
        case rsa(JWTKit.Insecure.RSA.PrivateKey)
    }

    let algorithm: Algorithm
    private let key: Key
    let jwk: [String: JWTHeaderField]

    init(_ algorithm: Algorithm = .es256) {
        self.algorithm = algorithm
        switch algorithm {
        case .es256:
            let key = ES256PrivateKey()
            let parameters = key.publicKey.parameters!
            self.key = .ec(key)
            jwk = ["kty": .string("EC"), "crv": .string("P-256"), "x": .string(parameters.x), "y": .string(parameters.y)]
        case .rs256, .ps256:
            let key = try! JWTKit.Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
            let primitives = try! key.publicKey.getKeyPrimitives()
            self.key = .rsa(key)
            jwk = [
                "kty": .string("RSA"), "n": .string(Base64URL.encode(primitives.modulus)),
                "e": .string(Base64URL.encode(primitives.publicExponent)),
            ]
        }
    }

    var jwkObject: [String: JSONValue] { jwk.mapValues { .string($0.asString!) } }

    var thumbprint: String { try! JWKThumbprint.sha256(ofJWK: jwkObject) }

    func proof(
        htm: String, htu: URL, accessToken: String? = nil, iat: Date = Date(), nonce: String? = nil,
        typ: String = "dpop+jwt", extraJWK: [String: JWTHeaderField] = [:], jwkOf other: ProofKey? = nil
    ) async throws -> String {
        var header = JWTHeader()
        header.typ = typ
        header.jwk = (other ?? self).jwk.merging(extraJWK) { _, new in new }
        let claims = ProofClaims(
            jti: UUID().uuidString, htm: htm, htu: htu.absoluteString, iat: Int(iat.timeIntervalSince1970),
            ath: accessToken.map(JWKThumbprint.accessTokenHash), nonce: nonce)
        let keys = JWTKeyCollection()
        switch (key, algorithm) {
        case (.ec(let key), _): await keys.add(ecdsa: key)
        case (.rsa(let key), .ps256): await keys.add(pss: key, digestAlgorithm: .sha256)
        case (.rsa(let key), _): await keys.add(rsa: key, digestAlgorithm: .sha256)
        }
        return try await keys.sign(claims, header: header)
    }

    private struct ProofClaims: JWTPayload {
        var jti: String
        var htm: String
        var htu: String
        var iat: Int
        var ath: String?
        var nonce: String?

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}
