import DemoServer
import Foundation
import JOSESupport
import JWTKit
import OAuthClient
import Testing
import TokenModel

@Suite("Verifying JWT access tokens against a key set")
struct TokenVerifierTests {
    static let start = try! Date("2026-11-27T03:03:10Z", strategy: .iso8601)
    static let issuer = "https://issuer.example"
    static let audience = "api://orders"
    static let keysURL = URL(string: "http://127.0.0.1:8080/v1/keys?tenant=t1")!

    /// Claims that pass every check at `start`, with overrides.
    static func claims(_ overrides: [String: JSONValue] = [:]) -> [String: JSONValue] {
        let now = start.timeIntervalSince1970
        var claims: [String: JSONValue] = [
            "iss": .string(issuer), "sub": .string("svc-orders"), "aud": .string(audience),
            "iat": .number(now - 60), "nbf": .number(now - 60), "exp": .number(now + 3600),
            "scope": .string("orders.read"),
        ]
        claims.merge(overrides) { $1 }
        return claims
    }

    struct Setup {
        var clock: TestClock
        var endpoint: FakeJWKSEndpoint
        var cache: JWKSCache
        var verifier: TokenVerifier
    }

    static func setup(
        publishing signers: [TestKeys.Signer], issuer: String? = issuer, audience: String? = audience
    ) -> Setup {
        let clock = TestClock(start)
        let endpoint = FakeJWKSEndpoint(TestKeys.jwks(signers))
        let cache = JWKSCache(url: keysURL, now: { clock.now }, fetch: endpoint.fetch)
        let verifier = TokenVerifier(
            keys: cache, expectedIssuer: issuer, expectedAudience: audience, leeway: .seconds(60), now: { clock.now })
        return Setup(clock: clock, endpoint: endpoint, cache: cache, verifier: verifier)
    }

    // MARK: - Signatures that check out

    @Test(
        "a token signed with each supported algorithm is verified, naming the algorithm and key",
        arguments: [
            "RS256", "PS256", "ES256", "ES384", "EdDSA",
        ])
    func validSignature(algorithm: String) async throws {
        let signer =
            switch algorithm {
            case "RS256": TestKeys.rs256()
            case "PS256": TestKeys.ps256()
            case "ES256": TestKeys.es256()
            case "ES384": TestKeys.es384()
            default: TestKeys.edDSA()
            }
        let setup = Self.setup(publishing: [TestKeys.rs256(kid: "other", key: TestKeys.otherRSAPrivateKey), signer])
        let token = try await signer.sign(Self.claims())
        #expect(TokenDecoder.decode(token).algorithm == algorithm)

        let verdict = await setup.verifier.verify(token)
        #expect(verdict == SignatureVerdict(.verified, "\(algorithm) signature valid with key \"\(signer.kid)\""))
    }

    @Test("the key set is fetched once, on first use, and kept")
    func keySetFetchedLazilyAndKept() async throws {
        let setup = Self.setup(publishing: [TestKeys.es256()])
        #expect(await setup.cache.fetchCount == 0)
        let token = try await TestKeys.es256().sign(Self.claims())
        for _ in 0..<3 {
            #expect(await setup.verifier.verify(token).status == .verified)
        }
        #expect(await setup.cache.fetchCount == 1)
        #expect(setup.endpoint.fetches == 1)
        #expect(await setup.cache.knownKeyIDs == ["ec-256"])
    }

    @Test("a token without kid is checked with the suitable keys of the set")
    func tokenWithoutKeyID() async throws {
        let setup = Self.setup(publishing: [TestKeys.es256(), TestKeys.rs256()])
        let token = try await TestKeys.rs256().sign(Self.claims(), includeKeyID: false)
        #expect(await setup.verifier.verify(token) == SignatureVerdict(.verified, "RS256 signature valid with key \"rsa-1\""))

        let stranger = try await TestKeys.rs256(kid: "x", key: TestKeys.otherRSAPrivateKey).sign(
            Self.claims(), includeKeyID: false)
        let verdict = await setup.verifier.verify(stranger)
        #expect(verdict.status == .failed)
        #expect(verdict.reason == "signature does not match key \"rsa-1\"")

        let twoRSAKeys = Self.setup(publishing: [TestKeys.rs256(), TestKeys.ps256(kid: "rsa-2")])
        let strangerAgain = try await TestKeys.rs256(kid: "x", key: TestKeys.otherRSAPrivateKey).sign(
            Self.claims(), includeKeyID: false)
        #expect(
            await twoRSAKeys.verifier.verify(strangerAgain)
                == SignatureVerdict(
                    .failed,
                    "the RS256 signature matches none of the 2 suitable keys (the token has no kid) at http://127.0.0.1:8080/v1/keys"
                ))
    }

    @Test("a kid unknown on the first fetch says the set was fetched just now")
    func unknownKeyIDOnFirstFetch() async throws {
        let setup = Self.setup(publishing: [TestKeys.es256(), TestKeys.edDSA()])
        let token = try await TestKeys.es256(kid: "retired").sign(Self.claims())
        #expect(
            await setup.verifier.verify(token)
                == SignatureVerdict(
                    .failed,
                    "kid \"retired\" is not in the key set at http://127.0.0.1:8080/v1/keys (fetched just now; it has \"ec-256\", \"ed-1\")",
                    failure: .keyNotPublished))
        #expect(setup.endpoint.fetches == 1)
    }

    // MARK: - Time claims

    @Test("an expired token fails and says how long ago and when")
    func expired() async throws {
        let setup = Self.setup(publishing: [TestKeys.rs256()])
        let exp = try Date("2026-11-27T03:01:00Z", strategy: .iso8601)
        let token = try await TestKeys.rs256().sign(Self.claims(["exp": .number(exp.timeIntervalSince1970)]))
        let verdict = await setup.verifier.verify(token)
        #expect(verdict == SignatureVerdict(.failed, "expired 2m10s ago (exp 2026-11-27T03:01:00Z)", failure: .timeClaims))
    }

    @Test("a token expired by less than the leeway is still verified, with a note")
    func expiredWithinLeeway() async throws {
        let setup = Self.setup(publishing: [TestKeys.rs256()])
        let token = try await TestKeys.rs256().sign(Self.claims(["exp": .number(Self.start.timeIntervalSince1970 - 30)]))
        let verdict = await setup.verifier.verify(token)
        #expect(verdict.status == .verified)
        #expect(verdict.reason == "RS256 signature valid with key \"rsa-1\"; expired 30s ago, within the 1m leeway")
    }

    @Test("a token used before nbf (beyond the leeway) fails and says for how long")
    func notYetValid() async throws {
        let setup = Self.setup(publishing: [TestKeys.rs256()])
        let token = try await TestKeys.rs256().sign(Self.claims(["nbf": .number(Self.start.timeIntervalSince1970 + 300)]))
        let verdict = await setup.verifier.verify(token)
        #expect(verdict == SignatureVerdict(.failed, "not valid for another 5m (nbf 2026-11-27T03:08:10Z)", failure: .timeClaims))

        let slightlyEarly = try await TestKeys.rs256().sign(Self.claims(["nbf": .number(Self.start.timeIntervalSince1970 + 20)]))
        #expect(await setup.verifier.verify(slightlyEarly).status == .verified)
    }

    @Test("a token issued in the future points at a clock problem")
    func issuedInTheFuture() async throws {
        let setup = Self.setup(publishing: [TestKeys.rs256()])
        let token = try await TestKeys.rs256().sign(Self.claims(["iat": .number(Self.start.timeIntervalSince1970 + 600)]))
        let verdict = await setup.verifier.verify(token)
        #expect(verdict.status == .failed)
        #expect(verdict.reason.hasPrefix("issued 10m in the future (iat 2026-11-27T03:13:10Z)"))
    }

    @Test(
        "the two-step check keeps a valid signature apart from the claim that failed (exp, iss, aud)",
        arguments: [
            (["exp": JSONValue.number(1_795_748_460)], "expired 2m10s ago (exp 2026-11-27T03:01:00Z)"),
            (
                ["iss": JSONValue.string("https://evil.example")],
                "iss is \"https://evil.example\", expected \"https://issuer.example\""
            ),
            (["aud": JSONValue.string("api://billing")], "aud is \"api://billing\", expected \"api://orders\""),
        ])
    func claimFailureApart(overrides: [String: JSONValue], reason: String) async throws {
        let setup = Self.setup(publishing: [TestKeys.rs256()])
        let token = try await TestKeys.rs256().sign(Self.claims(overrides))
        let verification = await setup.verifier.check(token)
        #expect(verification.signature == SignatureVerdict(.verified, "RS256 signature valid with key \"rsa-1\""))
        #expect(verification.claims?.status == .failed)
        #expect(verification.claims?.reason == reason)
        #expect(verification.claims?.failure == (overrides["exp"] != nil ? .timeClaims : .claims))
        #expect(verification.verdict == verification.claims, "the one verdict is what verify() says")
        #expect(await setup.verifier.verify(token) == verification.verdict)
    }

    @Test("the two-step check of a good token says what the claims passed; a bad signature leaves them unchecked")
    func twoStepsVerified() async throws {
        let setup = Self.setup(publishing: [TestKeys.rs256()])
        let good = await setup.verifier.check(try await TestKeys.rs256().sign(Self.claims()))
        #expect(
            good.claims
                == SignatureVerdict(
                    .verified, "time claims within the 1m leeway; iss is \"https://issuer.example\"; aud as expected"))
        #expect(good.verdict == SignatureVerdict(.verified, "RS256 signature valid with key \"rsa-1\""))
        var parts = try await TestKeys.rs256().sign(Self.claims(["iss": .string("https://evil.example")])).split(separator: ".")
            .map(String.init)
        parts[1] = TestKeys.base64URL(Data(JSONValue.object(Self.claims(["scope": .string("orders.admin")])).compactText.utf8))
        let tampered = await setup.verifier.check(parts.joined(separator: "."))
        #expect(tampered.signature == SignatureVerdict(.failed, "signature does not match key \"rsa-1\""))
        #expect(tampered.claims == nil)
        #expect(tampered.verdict == tampered.signature)
    }

    // MARK: - Issuer and audience

    @Test("a token from another issuer fails, showing both")
    func wrongIssuer() async throws {
        let setup = Self.setup(publishing: [TestKeys.rs256()])
        let token = try await TestKeys.rs256().sign(Self.claims(["iss": .string("https://evil.example")]))
        let verdict = await setup.verifier.verify(token)
        #expect(
            verdict
                == SignatureVerdict(
                    .failed, "iss is \"https://evil.example\", expected \"https://issuer.example\"", failure: .claims))
    }

    @Test("iss is not checked when no issuer is expected")
    func issuerNotExpected() async throws {
        let setup = Self.setup(publishing: [TestKeys.rs256()], issuer: nil)
        let token = try await TestKeys.rs256().sign(Self.claims(["iss": .string("https://elsewhere.example")]))
        #expect(await setup.verifier.verify(token).status == .verified)
    }

    @Test("a token for another audience fails; an aud array that includes ours passes")
    func audience() async throws {
        let setup = Self.setup(publishing: [TestKeys.rs256()])
        let other = try await TestKeys.rs256().sign(Self.claims(["aud": .string("api://billing")]))
        #expect(
            await setup.verifier.verify(other)
                == SignatureVerdict(.failed, "aud is \"api://billing\", expected \"api://orders\"", failure: .claims))

        let list = try await TestKeys.rs256().sign(
            Self.claims(["aud": .array([.string("api://billing"), .string(Self.audience)])]))
        #expect(await setup.verifier.verify(list).status == .verified)

        let wrongList = try await TestKeys.rs256().sign(
            Self.claims(["aud": .array([.string("api://billing"), .string("api://hr")])]))
        #expect(
            await setup.verifier.verify(wrongList)
                == SignatureVerdict(
                    .failed, #"aud ["api://billing", "api://hr"] does not include "api://orders""#, failure: .claims))

        var noAudience = Self.claims()
        noAudience["aud"] = nil
        let missing = try await TestKeys.rs256().sign(noAudience)
        #expect(
            await setup.verifier.verify(missing)
                == SignatureVerdict(.failed, "the token has no aud, expected \"api://orders\"", failure: .claims))
    }

    // MARK: - Tokens that must never pass

    @Test("alg none is refused even when its kid names a real key")
    func algNone() async throws {
        let setup = Self.setup(publishing: [TestKeys.rs256()])
        let claims = JSONValue.object(Self.claims()).compactText
        let token = TestKeys.handBuilt(header: #"{"alg":"none","kid":"rsa-1","typ":"JWT"}"#, claims: claims)
        #expect(TokenDecoder.decode(token).format == .jwt)
        let verdict = await setup.verifier.verify(token)
        #expect(verdict == SignatureVerdict(.failed, "alg none is never accepted: an unsigned token proves nothing"))

        let shouting = TestKeys.handBuilt(header: #"{"alg":"NoNe","kid":"rsa-1"}"#, claims: claims)
        #expect(await setup.verifier.verify(shouting).reason.hasPrefix("alg none is never accepted"))
    }

    @Test("HS256 keyed with the RSA public key (key confusion) is refused")
    func keyConfusion() async throws {
        let setup = Self.setup(publishing: [TestKeys.rs256()])
        let attacker = JWTKeyCollection()
        await attacker.add(hmac: HMACKey(from: TestKeys.rsaPublicKeyPEM), digestAlgorithm: .sha256, kid: "rsa-1")
        let token = try await attacker.sign(TestClaims(claims: Self.claims()), kid: "rsa-1")
        #expect(TokenDecoder.decode(token).algorithm == "HS256")
        // The forged token is genuine HMAC: a verifier that let the header pick the algorithm would accept it.
        let _: TestClaims = try await attacker.verify(token)

        let verdict = await setup.verifier.verify(token)
        #expect(
            verdict
                == SignatureVerdict(
                    .failed,
                    "HS256 is a shared-secret algorithm; an access token from an authorization server must be signed with its private key"
                ))
        #expect(await setup.cache.fetchCount == 0)
    }

    @Test("a tampered payload fails the signature check")
    func tamperedPayload() async throws {
        let setup = Self.setup(publishing: [TestKeys.es256(), TestKeys.rs256()])
        for signer in [TestKeys.rs256(), TestKeys.es256()] {
            let token = try await signer.sign(Self.claims())
            var parts = token.split(separator: ".").map(String.init)
            parts[1] = TestKeys.base64URL(
                Data(JSONValue.object(Self.claims(["scope": .string("orders.admin")])).compactText.utf8))
            let verdict = await setup.verifier.verify(parts.joined(separator: "."))
            #expect(verdict == SignatureVerdict(.failed, "signature does not match key \"\(signer.kid)\""))
        }
    }

    @Test("a token whose alg does not fit the named key is refused before any signature check")
    func algorithmKeyMismatch() async throws {
        let setup = Self.setup(publishing: [TestKeys.rs256(), TestKeys.es256()])
        let es256WithRSAKid = try await TestKeys.es256().published(as: "rsa-1").sign(Self.claims())
        var verdict = await setup.verifier.verify(es256WithRSAKid)
        #expect(verdict.status == .failed)
        #expect(
            verdict.reason
                == "no key at http://127.0.0.1:8080/v1/keys can check this ES256 signature: key \"rsa-1\" is an RSA key; ES256 needs an EC key"
        )

        // The RSA key is published for RS256 only, so a PS256 token signed with it is refused.
        let pssWithRS256Kid = try await TestKeys.ps256(kid: "rsa-1").sign(Self.claims())
        verdict = await setup.verifier.verify(pssWithRS256Kid)
        #expect(verdict.status == .failed)
        #expect(verdict.reason.hasSuffix("key \"rsa-1\" is published for RS256 only; the token says PS256"))
    }

    @Test("an unsupported alg is refused, listing what is supported")
    func unsupportedAlgorithm() async throws {
        let setup = Self.setup(publishing: [TestKeys.rs256()])
        let token = TestKeys.handBuilt(header: #"{"alg":"RSA-OAEP","kid":"rsa-1"}"#, claims: "{}", signature: [1, 2, 3])
        let verdict = await setup.verifier.verify(token)
        #expect(verdict.status == .failed)
        #expect(verdict.reason.hasPrefix("alg \"RSA-OAEP\" is not supported (supported: RS256, RS384, RS512, PS256"))
    }

    // MARK: - Key rotation and the refetch limit

    @Test("an unknown kid refetches the set; another within 30 s does not; after 30 s it does")
    func unknownKeyIDRefetchIsRateLimited() async throws {
        let setup = Self.setup(publishing: [TestKeys.rs256(kid: "k1")])
        let k1 = try await TestKeys.rs256(kid: "k1").sign(Self.claims())
        #expect(await setup.verifier.verify(k1).status == .verified)
        #expect(setup.endpoint.fetches == 1)

        // No fetch follows the first sooner than 30 s; after that an unknown kid refetches.
        setup.clock.advance(by: 31)
        let k2 = try await TestKeys.rs256(kid: "k2", key: TestKeys.otherRSAPrivateKey).sign(Self.claims())
        var verdict = await setup.verifier.verify(k2)
        #expect(
            verdict
                == SignatureVerdict(
                    .failed, "kid \"k2\" is not in the key set at http://127.0.0.1:8080/v1/keys (refetched; it has \"k1\")",
                    failure: .keyNotPublished))
        #expect(setup.endpoint.fetches == 2)

        setup.clock.advance(by: 10)
        let k3 = try await TestKeys.rs256(kid: "k3", key: TestKeys.otherRSAPrivateKey).sign(Self.claims())
        verdict = await setup.verifier.verify(k3)
        // Not a failure yet: the copy may predate a new key; the verdict says when it is settled.
        #expect(
            verdict
                == SignatureVerdict(
                    .checking,
                    "kid \"k3\" is not in the key set at http://127.0.0.1:8080/v1/keys (as last fetched, it has \"k1\"; a new key?)",
                    recheckAt: Self.start.addingTimeInterval(61)))
        #expect(verdict.reason(at: setup.clock.now).hasSuffix("a new key?); key set refetch in 20s"))
        #expect(setup.endpoint.fetches == 2)

        // The server rotates in k3; after the interval the cache may look again and finds it.
        setup.endpoint.publish(
            TestKeys.jwks([
                TestKeys.rs256(kid: "k1"), TestKeys.rs256(kid: "k3", key: TestKeys.otherRSAPrivateKey),
            ]))
        setup.clock.advance(by: 21)
        verdict = await setup.verifier.verify(k3)
        #expect(verdict == SignatureVerdict(.verified, "RS256 signature valid with key \"k3\""))
        #expect(setup.endpoint.fetches == 3)
        #expect(await setup.cache.fetchCount == 3)
        #expect(await setup.cache.knownKeyIDs == ["k1", "k3"])
    }

    @Test("concurrent lookups of an unknown kid share one refetch")
    func concurrentRefetchIsShared() async throws {
        let setup = Self.setup(publishing: [TestKeys.es256(kid: "k1")])
        let token = try await TestKeys.es256(kid: "k9").sign(Self.claims())
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { _ = await setup.verifier.verify(token) } }
        }
        // One first fetch, and at most one refetch for the unknown kid.
        #expect(setup.endpoint.fetches <= 2)
    }

    @Test("a kid missing from a key set fetched after the token arrived is final: no refetch, a key_not_published failure")
    func unknownKeyIDAfterTokenArrived() async throws {
        let setup = Self.setup(publishing: [TestKeys.rs256(kid: "k1")])
        #expect(await setup.verifier.verify(try await TestKeys.rs256(kid: "k1").sign(Self.claims())).status == .verified)
        setup.clock.advance(by: 40)
        let gone = try await TestKeys.rs256(kid: "k0", key: TestKeys.otherRSAPrivateKey).sign(Self.claims())
        // The token arrived after the copy was fetched: the copy may be older than its key, so
        // it is fetched again (the floor allows), and only then is the kid's absence final.
        let late = await setup.verifier.verify(gone, receivedAt: Self.start.addingTimeInterval(10))
        #expect(late.status == .failed)
        #expect(setup.endpoint.fetches == 2)
        // Arrived before the latest fetch: the set is final about its kid, and no fetch follows.
        setup.clock.advance(by: 5)
        let verdict = await setup.verifier.verify(gone, receivedAt: Self.start.addingTimeInterval(39))
        #expect(verdict.status == .failed)
        #expect(verdict.failure == .keyNotPublished)
        #expect(verdict.reason.contains("fetched after the token arrived"))
        #expect(setup.endpoint.fetches == 2)
    }

    // MARK: - No usable key set

    @Test("without a key set a JWT is not checked, which is not a failure, and says why")
    func noKeySet() async throws {
        let verifier = TokenVerifier(
            keys: nil, expectedIssuer: nil, expectedAudience: nil, leeway: .seconds(60), now: { Self.start })
        let token = try await TestKeys.rs256().sign(Self.claims())
        #expect(await verifier.verify(token) == SignatureVerdict(.notChecked, "signature not checked (no key set configured)"))
    }

    @Test("a key set that cannot be fetched leaves the token unverified, and retries only after 30 s")
    func fetchFailure() async throws {
        let setup = Self.setup(publishing: [])
        setup.endpoint.fail(status: 503, summary: "Service Unavailable")
        let token = try await TestKeys.rs256().sign(Self.claims())
        var verdict = await setup.verifier.verify(token)
        #expect(
            verdict
                == SignatureVerdict(
                    .unverified, "could not fetch the key set from http://127.0.0.1:8080/v1/keys: HTTP 503 Service Unavailable",
                    recheckAt: Self.start.addingTimeInterval(30)))

        setup.clock.advance(by: 5)
        verdict = await setup.verifier.verify(token)
        #expect(verdict.reason(at: setup.clock.now).hasSuffix("HTTP 503 Service Unavailable; key set refetch in 25s"))
        #expect(setup.endpoint.fetches == 1)

        setup.endpoint.publish(TestKeys.jwks([TestKeys.rs256()]))
        setup.clock.advance(by: 25)
        #expect(await setup.verifier.verify(token).status == .verified)
        #expect(setup.endpoint.fetches == 2)
    }

    @Test("a key set document that is not a JWKS is reported as such")
    func notAKeySet() async throws {
        let setup = Self.setup(publishing: [])
        setup.endpoint.publish(Data("<html>login</html>".utf8))
        let token = try await TestKeys.rs256().sign(Self.claims())
        let verdict = await setup.verifier.verify(token)
        #expect(verdict.status == .unverified)
        #expect(verdict.reason == "http://127.0.0.1:8080/v1/keys is not a JWKS document: it is not JSON")
    }

    // MARK: - Not JWTs

    @Test("an opaque token is unverified: it can only be introspected")
    func opaqueToken() async {
        let setup = Self.setup(publishing: [TestKeys.rs256()])
        let verdict = await setup.verifier.verify("2YotnFZFEjr1zCsicMWpAA")
        #expect(verdict == SignatureVerdict(.unverified, "opaque token: it can only be introspected"))
        #expect(setup.endpoint.fetches == 0)
    }

    @Test("malformed tokens are opaque, or failed with the part at fault when they were meant as JWTs")
    func malformedTokens() async throws {
        let setup = Self.setup(publishing: [TestKeys.rs256()])
        let token = try await TestKeys.rs256().sign(Self.claims())
        let parts = token.split(separator: ".").map(String.init)

        let twoSegments = parts[0] + "." + parts[1]
        #expect(
            await setup.verifier.verify(twoSegments) == SignatureVerdict(.unverified, "opaque token: it can only be introspected")
        )

        let badBase64 = "e!J.\(parts[1]).\(parts[2])"
        #expect(await setup.verifier.verify(badBase64).status == .unverified)

        let payloadNotJSON = parts[0] + "." + TestKeys.base64URL(Data("not json".utf8)) + "." + parts[2]
        #expect(
            await setup.verifier.verify(payloadNotJSON)
                == SignatureVerdict(.failed, "malformed JWT: its payload is not a JSON object"))

        let payloadNotBase64 = parts[0] + ".%%%." + parts[2]
        #expect(
            await setup.verifier.verify(payloadNotBase64)
                == SignatureVerdict(.failed, "malformed JWT: its payload is not base64url"))

        let signatureNotBase64 = parts[0] + "." + parts[1] + ".***"
        #expect(
            await setup.verifier.verify(signatureNotBase64)
                == SignatureVerdict(.failed, "malformed JWT: its signature part is not base64url"))
    }

    // MARK: - A static key set (decode --jwks FILE)

    @Test("a static key set skips keys it cannot use and verifies with the rest")
    func staticKeySet() async throws {
        let document = TestKeys.jwks(
            [TestKeys.es256()],
            extra: [
                .object(["kty": .string("oct"), "kid": .string("shared"), "k": .string("c2VjcmV0")]),
                .object([
                    "kty": .string("RSA"), "kid": .string("enc-1"), "use": .string("enc"), "n": .string("AQAB"),
                    "e": .string("AQAB"),
                ]),
            ])
        let cache = try JWKSCache(jwksData: document, source: "keys.json")
        #expect(await cache.knownKeyIDs == ["ec-256"])
        let verifier = TokenVerifier(
            keys: cache, expectedIssuer: Self.issuer, expectedAudience: nil, leeway: .seconds(60), now: { Self.start })
        #expect(await verifier.verify(try await TestKeys.es256().sign(Self.claims())).status == .verified)

        let unknown = try await TestKeys.es256(kid: "ec-new").sign(Self.claims())
        #expect(
            await verifier.verify(unknown)
                == SignatureVerdict(
                    .failed, "kid \"ec-new\" is not in the key set at keys.json (it has \"ec-256\")", failure: .keyNotPublished))
        #expect(await cache.fetchCount == 0)
    }

    @Test("a static key set with no usable key is refused with the reasons")
    func staticKeySetWithoutUsableKeys() throws {
        let document = Data(#"{"keys":[{"kty":"oct","kid":"shared","k":"c2VjcmV0"}]}"#.utf8)
        let error = #expect(throws: JWKSError.self) { try JWKSCache(jwksData: document, source: "keys.json") }
        #expect(
            error?.reason
                == "the key set at keys.json has no key that can check a signature: skipped key \"shared\": kty \"oct\" cannot check signatures (RSA, EC and OKP can)"
        )

        let notJSON = #expect(throws: JWKSError.self) { try JWKSCache(jwksData: Data("keys".utf8), source: "keys.json") }
        #expect(notJSON?.reason == "keys.json is not a JWKS document: it is not JSON")
    }
}

extension TokenVerifierTests {
    @Suite("Verifying the demo server's tokens over HTTP")
    struct AgainstDemoServer {
        static let audience = "api://orders"

        /// Runs `body` with a demo server and an HTTP transport, and stops both whatever happens.
        static func withDemo(_ body: (DemoEnvironment, HTTPTransport) async throws -> Void) async throws {
            let demo = try await DemoEnvironment.start(
                DemoServerOptions(
                    clients: [DemoClientSpec(name: "post-client", method: .clientSecretPost, scopes: [DemoClientSpec.modScope])],
                    audience: audience))
            let transport = HTTPTransport()
            let outcome: Result<Void, any Error>
            do {
                try await body(demo, transport)
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            await transport.shutdown()
            await demo.shutdown()
            try outcome.get()
        }

        static func requestToken(from demo: DemoEnvironment, with transport: HTTPTransport) async throws -> String {
            let client = try #require(demo.clients.first)
            let response = try await transport.send(
                .form(
                    [
                        ("grant_type", "client_credentials"), ("client_id", client.clientID),
                        ("client_secret", client.secret ?? ""),
                    ],
                    to: demo.tokenEndpoint, timeout: .seconds(10), caFile: nil, allowInsecureHTTP: true))
            #expect(response.status == 200)
            return try #require(JSONValue(data: response.body)?["access_token"]?.stringValue)
        }

        @Test("a token from the demo server verifies against its JWKS; after a key rotation the set is refetched once allowed")
        func demoTokensVerifyAcrossRotation() async throws {
            try await Self.withDemo { demo, transport in
                let clock = TestClock(Date())
                let cache = JWKSCache(url: demo.jwksURI, now: { clock.now }) { url in
                    let response = try await transport.send(
                        OutgoingRequest(
                            method: .get, url: url, headers: [("Accept", "application/json")], allowInsecureHTTP: true))
                    guard response.status == 200 else {
                        throw OAuthError.httpStatus(
                            response.status, summary: "JWKS fetch failed", endpoint: URLText.describe(url))
                    }
                    return response.body
                }
                let verifier = TokenVerifier(
                    keys: cache, expectedIssuer: demo.issuer.absoluteString, expectedAudience: Self.audience,
                    leeway: .seconds(60), now: Date.init)

                let first = try await Self.requestToken(from: demo, with: transport)
                let firstKeyID = try #require(TokenDecoder.decode(first).keyID)
                #expect(
                    await verifier.verify(first)
                        == SignatureVerdict(.verified, "RS256 signature valid with key \"\(firstKeyID)\""))
                #expect(await cache.fetchCount == 1)

                let secondKeyID = try await demo.rotateKeys()
                let second = try await Self.requestToken(from: demo, with: transport)
                #expect(TokenDecoder.decode(second).keyID == secondKeyID)
                let tooSoon = await verifier.verify(second)
                // Within the refetch floor a kid newer than the copy is not a failure: it waits.
                #expect(tooSoon.status == .checking)
                #expect(tooSoon.reason.hasSuffix("a new key?)"))
                #expect(tooSoon.reason(at: clock.now).hasSuffix("key set refetch in 30s"))
                #expect(await cache.fetchCount == 1)

                clock.advance(by: 30)
                #expect(
                    await verifier.verify(second)
                        == SignatureVerdict(.verified, "RS256 signature valid with key \"\(secondKeyID)\""))
                #expect(await verifier.verify(first).status == .verified)
                #expect(await cache.fetchCount == 2)
                #expect(await cache.knownKeyIDs == [firstKeyID, secondKeyID].sorted())
            }
        }
    }
}
