import Foundation
import Testing
import TokenModel

/// Each cause of a rejected token, named from its evidence.
@Suite("Why a token is rejected")
struct DiagnosisTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func snapshot(
        verdict: SignatureVerdict = SignatureVerdict(.verified, "RS256 signature valid with key \"k1\""),
        kid: String = "k1", scopes: [String] = ["custom_mod"], response: ResourceResponse? = nil,
        introspection: IntrospectionResult? = nil, introspectionError: OAuthError? = nil,
        clocks: [ClockReading] = [], keySet: KeySetStatus? = nil
    ) -> ClientSnapshot {
        let token = TokenSummary(
            masked: "eyJh…GA", tokenType: "Bearer",
            decoded: DecodedToken(
                format: .jwt, header: ["alg": .string("RS256"), "kid": .string(kid)],
                claims: ["aud": .string("api://default"), "iss": .string("https://as.example/oauth2/default")]),
            issuedAt: now.addingTimeInterval(-60), expiresAt: now.addingTimeInterval(3540), refreshAt: nil, scopes: scopes,
            verdict: verdict, extraFields: [:])
        return ClientSnapshot(
            name: "mod-client", state: .valid, token: token, introspection: introspection,
            responses: response.map { [$0] } ?? [], resourceURI: "http://127.0.0.1:8080/mod",
            introspectionError: introspectionError, clockReadings: clocks, keySet: keySet)
    }

    func api(_ status: Int, _ challenge: String?) -> ResourceResponse {
        ResourceResponse(status: status, latency: .milliseconds(3), at: now, wwwAuthenticate: challenge, bodyExcerpt: "")
    }

    @Test("valid locally, inactive at the server: revoked")
    func revoked() {
        let client = snapshot(
            response: api(401, #"Bearer error="invalid_token", error_description="token revoked""#),
            introspection: IntrospectionResult(active: false, fields: ["active": .bool(false)], checkedAt: now))
        #expect(client.diagnoses(at: now).first?.cause == .revoked)
        #expect(client.health(at: now).state == .error)
    }

    @Test("valid locally and at the server, refused by the API: audience or issuer")
    func audience() throws {
        let client = snapshot(
            response: api(401, #"Bearer error="invalid_token", error_description="the token's aud is not api://orders""#),
            introspection: IntrospectionResult(active: true, fields: ["active": .bool(true)], checkedAt: now))
        let diagnosis = try #require(client.diagnoses(at: now).first)
        #expect(diagnosis.cause == .audienceOrIssuerMismatch)
        #expect(diagnosis.evidence.contains("the token's aud: \"api://default\""))
        #expect(diagnosis.evidence.contains { $0.contains("api://orders") })
    }

    @Test("403 insufficient_scope names the scope the token lacks")
    func scope() throws {
        let client = snapshot(
            scopes: ["custom_read"], response: api(403, #"Bearer error="insufficient_scope", scope="custom_mod""#))
        let diagnosis = try #require(client.diagnoses(at: now).first)
        #expect(diagnosis.cause == .missingScope)
        #expect(diagnosis.summary == "the token lacks custom_mod, which the API asks for")
    }

    @Test("a clock beyond the leeway is named, and named as the cause when a fresh token looks not yet valid")
    func clockSkew() throws {
        let ahead = ClockReading(server: "http://as:9000", offset: 300, uncertainty: 0.5, source: .dateHeader, at: now)
        let failing = snapshot(
            verdict: SignatureVerdict(
                .failed, "issued 5m in the future (iat …): the server's clock or this machine's is wrong", failure: .timeClaims),
            clocks: [ahead])
        let diagnosis = try #require(failing.diagnoses(at: now).first)
        #expect(diagnosis.cause == .clockSkew)
        #expect(diagnosis.summary.hasPrefix("clock skew makes a fresh token look not yet valid"))
        let within = ClockReading(server: "http://as:9000", offset: 59, uncertainty: 0.5, source: .dateHeader, at: now)
        #expect(snapshot(clocks: [within]).diagnoses(at: now).isEmpty)
        // The error bar counts in the server's favour: 60.4 ± 0.5 is not beyond 60.
        let borderline = ClockReading(server: "http://as:9000", offset: 60.4, uncertainty: 0.5, source: .dateHeader, at: now)
        #expect(snapshot(clocks: [borderline]).diagnoses(at: now).isEmpty)
        #expect(snapshot(clocks: [ahead]).health(at: now).state == .degraded)
    }

    @Test("a held token whose key left the key set is flagged before the API refuses it")
    func keyRotation() throws {
        let keySet = KeySetStatus(
            source: "http://as/keys",
            keys: [PublishedKey(kid: "k2", type: "RSA 2048", algorithm: "RS256", use: "sig", firstSeen: now, lastSeen: now)],
            changes: [KeySetChange(kind: .added, kid: "k2", at: now), KeySetChange(kind: .removed, kid: "k1", at: now)],
            fetchedAt: now)
        let client = snapshot(response: api(200, nil), keySet: keySet)
        let diagnosis = try #require(client.diagnoses(at: now).first)
        #expect(diagnosis.cause == .keyRotation)
        #expect(client.health(at: now).state == .degraded)
        #expect(client.health(at: now).reason.contains("no longer publishes"))
    }

    @Test("an introspection refused for this client is named")
    func introspectionRefused() {
        let refused = OAuthError.server(
            code: "unauthorized_client", description: "introspection is not allowed", uri: nil, endpoint: "…/introspect",
            httpStatus: 403)
        let client = snapshot(response: api(200, nil), introspectionError: refused)
        #expect(client.diagnoses(at: now).map(\.cause) == [.introspectionNotAllowed])
    }

    @Test("nothing wrong, nothing diagnosed")
    func healthy() {
        #expect(snapshot(response: api(200, nil)).diagnoses(at: now).isEmpty)
    }

    // MARK: - A diagnosis cites only what it checked

    @Test("every check is listed as run, not configured, or not yet run, with why")
    func checksListed() {
        let client = snapshot(response: api(200, nil))
        let checks = Dictionary(uniqueKeysWithValues: client.diagnosticChecks(at: now).map { ($0.kind, $0.outcome) })
        #expect(checks[.signature] == .ran("verified: RS256 signature valid with key \"k1\""))
        #expect(checks[.api] == .ran("200"))
        #expect(checks[.keySet] == .notYet("not fetched yet"))
        #expect(checks[.introspection] == .notYet("the authorization server was not asked about this token"))
        var noAPI = client
        noAPI.resourceURI = nil
        #expect(noAPI.diagnosticChecks(at: now).first { $0.kind == .api }?.outcome == .notConfigured("no resource-uri"))
        let noEndpoint = OAuthError.configuration("mod-client has no introspection endpoint")
        #expect(
            snapshot(introspectionError: noEndpoint).diagnosticChecks(at: now).first { $0.kind == .introspection }?.outcome
                == .notConfigured("no introspection endpoint"))
    }

    @Test("\"nothing to diagnose\" only when every check that could run did; else it names the one missing")
    func nothingToDiagnose() {
        let keySet = KeySetStatus(
            source: "http://as/keys",
            keys: [PublishedKey(kid: "k1", type: "RSA 2048", algorithm: "RS256", use: "sig", firstSeen: now, lastSeen: now)],
            fetchedAt: now)
        let introspected = IntrospectionResult(active: true, fields: ["active": .bool(true)], checkedAt: now)
        let complete = snapshot(response: api(200, nil), introspection: introspected, keySet: keySet)
        #expect(
            complete.diagnosisOutcome(at: now)
                == "token endpoint, local check, key set, introspection, API agree: nothing to diagnose")
        let partial = snapshot(response: api(200, nil), keySet: keySet)
        #expect(
            partial.diagnosisOutcome(at: now).hasPrefix(
                "no cause found, but not every check could be made: introspection: not checked yet"))
    }

    @Test("an API refusal that does not name the audience or issuer is not called an audience mismatch")
    func unnamedRefusal() throws {
        let introspected = IntrospectionResult(active: true, fields: ["active": .bool(true)], checkedAt: now)
        let vague = snapshot(response: api(401, #"Bearer error="invalid_token""#), introspection: introspected)
        #expect(vague.diagnoses(at: now).map(\.cause) == [.apiRefusesValidToken])
        let named = snapshot(response: api(401, #"Bearer error="invalid_token", error_description="The iss claim is not valid""#))
        #expect(named.diagnoses(at: now).map(\.cause) == [.audienceOrIssuerMismatch])
        // "missing" holds "iss", but not as a word.
        let missing = snapshot(response: api(401, #"Bearer error="invalid_token", error_description="missing permission""#))
        #expect(missing.diagnoses(at: now).map(\.cause) == [.apiRefusesValidToken])
        // Unverified here and not introspected: nothing vouches for the token, so no cause is named.
        let unvouched = snapshot(
            verdict: SignatureVerdict(.notChecked, "signature not checked (no key set configured)"),
            response: api(401, #"Bearer error="invalid_token", error_description="the token's audience is not x""#))
        #expect(unvouched.diagnoses(at: now).isEmpty)
    }

    @Test("401 invalid_client is credentials_rejected wherever it happens, never introspection_not_allowed")
    func credentialsRejected() {
        let invalidClient = OAuthError.server(
            code: "invalid_client", description: "client authentication failed", uri: nil, endpoint: "…/introspect",
            httpStatus: 401)
        let atIntrospection = snapshot(response: api(200, nil), introspectionError: invalidClient)
        #expect(atIntrospection.diagnoses(at: now).map(\.cause) == [.credentialsRejected])
        var atTokenEndpoint = snapshot(response: api(200, nil))
        atTokenEndpoint.lastError = invalidClient
        #expect(atTokenEndpoint.diagnoses(at: now).map(\.cause) == [.credentialsRejected])
    }

    @Test("a restarted server (new keys, new secrets): key_rotation and credentials_rejected, never an audience mismatch")
    func restartedServer() {
        let keySet = KeySetStatus(
            source: "http://as/keys",
            keys: [PublishedKey(kid: "k9", type: "RSA 2048", algorithm: "RS256", use: "sig", firstSeen: now, lastSeen: now)],
            changes: [KeySetChange(kind: .added, kid: "k9", at: now), KeySetChange(kind: .removed, kid: "k1", at: now)],
            fetchedAt: now)
        var client = snapshot(
            verdict: SignatureVerdict(.failed, "kid \"k1\" is not in the key set", failure: .keyNotPublished),
            response: api(
                401,
                #"Bearer error="invalid_token", error_description="the token is signed with a key the issuer does not publish""#),
            keySet: keySet)
        client.lastError = OAuthError.server(
            code: "invalid_client", description: "client authentication failed", uri: nil, endpoint: "…/token", httpStatus: 401)
        let causes = client.diagnoses(at: now).map(\.cause)
        #expect(causes.contains(.keyRotation))
        #expect(causes.contains(.credentialsRejected))
        #expect(!causes.contains(.audienceOrIssuerMismatch) && !causes.contains(.apiRefusesValidToken))
        #expect(client.health(at: now).state != .ok)

        // Within the refetch floor the copy of the key set still holds the old key and the token
        // still verifies here: the API's word about the key is what names the rotation, and
        // "the issuer does not publish" is not an issuer mismatch.
        var early = snapshot(
            response: api(
                401,
                #"Bearer error="invalid_token", error_description="the token is signed with a key the issuer does not publish""#),
            introspection: IntrospectionResult(active: true, fields: ["active": .bool(true)], checkedAt: now))
        early.lastError = client.lastError
        let earlyCauses = early.diagnoses(at: now).map(\.cause)
        #expect(earlyCauses.contains(.keyRotation) && earlyCauses.contains(.credentialsRejected), "\(earlyCauses)")
        #expect(!earlyCauses.contains(.audienceOrIssuerMismatch) && !earlyCauses.contains(.apiRefusesValidToken))
    }

    @Test("a kid newer than the copy of the key set is not \"no longer published\"; one an earlier fetch held is")
    func keyStanding() {
        let keySet = KeySetStatus(
            source: "http://as/keys",
            keys: [PublishedKey(kid: "k1", type: "RSA 2048", algorithm: "RS256", use: "sig", firstSeen: now, lastSeen: now)],
            changes: [KeySetChange(kind: .removed, kid: "k0", at: now)], fetchedAt: now)
        #expect(keySet.standing(of: "k1") == .published)
        #expect(keySet.standing(of: "k0") == .retired)
        #expect(keySet.standing(of: "k2") == .unseen)
        let newKey = snapshot(
            verdict: SignatureVerdict(
                .checking, "kid \"k2\" is not in the key set (as last fetched; a new key?)", recheckAt: now.addingTimeInterval(12)
            ),
            kid: "k2", response: api(200, nil), keySet: keySet)
        #expect(newKey.retiredSigningKey == nil)
        #expect(newKey.diagnoses(at: now).isEmpty)
        #expect(
            newKey.health(at: now)
                == HealthVerdict(
                    .pending,
                    "checking the signature: kid \"k2\" is not in the key set (as last fetched; a new key?); key set refetch in 12s"
                ))
    }

    @Test("a JWT with no key set to check it by is ok, says it was not checked, and counts introspection's word")
    func notChecked() {
        let verdict = SignatureVerdict(.notChecked, "signature not checked (no key set configured)")
        let plain = snapshot(verdict: verdict, response: api(200, nil))
        #expect(plain.health(at: now).state == .ok)
        #expect(plain.health(at: now).reason.contains("signature not checked (no key set configured)"))
        let vouched = snapshot(
            verdict: verdict, response: api(200, nil),
            introspection: IntrospectionResult(active: true, fields: ["active": .bool(true)], checkedAt: now))
        #expect(
            vouched.health(at: now).reason.hasSuffix(
                "signature not checked (no key set configured), introspection: active, API 200"))
        // A key set that is configured but out of reach is a failing part: degraded.
        let unreachable = snapshot(verdict: SignatureVerdict(.unverified, "could not fetch the key set"), response: api(200, nil))
        #expect(unreachable.health(at: now).state == .degraded)
    }
}

@Suite("WWW-Authenticate, read per RFC 9110 §11.6.1 and RFC 6750 §3")
struct ChallengeTests {
    @Test("the RFC 6750 examples")
    func rfcExamples() throws {
        let bare = AuthenticationChallenge.parse(#"Bearer realm="example""#)
        #expect(bare == [AuthenticationChallenge(scheme: "Bearer", parameters: ["realm": "example"])])
        let expired = try #require(
            AuthenticationChallenge.parse(
                #"Bearer realm="example", error="invalid_token", error_description="The access token expired""#
            ).first)
        #expect(expired.error == .invalidToken)
        #expect(expired.errorDescription == "The access token expired")
    }

    @Test("several challenges, quoted commas and escapes, token68, DPoP")
    func several() {
        let challenges = AuthenticationChallenge.parse(
            #"Basic realm="a, b", DPoP algs="ES256 PS256", error="use_dpop_nonce", Negotiate abc123==, Bearer scope="x \"y\"""#)
        #expect(challenges.map(\.scheme) == ["Basic", "DPoP", "Negotiate", "Bearer"])
        #expect(challenges[0].realm == "a, b")
        #expect(challenges[1].error == .useDPoPNonce)
        #expect(challenges[1].parameters["algs"] == "ES256 PS256")
        #expect(challenges[2].token68 == "abc123==")
        #expect(challenges[3].parameters["scope"] == #"x "y""#)
    }

    @Test(
        "hostile or broken headers yield what can be read, never a crash",
        arguments: [
            "", ",,,", "Bearer", #"Bearer error=""#, #"Bearer error="invalid_token"#, "=====", "Bearer ,,, error=x,,",
            String(repeating: "Bearer a=b, ", count: 500), "Bearer error=\"\u{1B}]52;c;aGk=\u{07}\"",
        ])
    func hostile(header: String) {
        for challenge in AuthenticationChallenge.parse(header) {
            #expect(!(challenge.parameters.values.joined() + challenge.scheme).unicodeScalars.contains { $0.value == 0x1B })
        }
    }
}

@Suite("Clock readings from hostile servers")
struct HostileClockReadingTests {
    @Test("a Date header from 1800 or an offset of 1e300 is held to a century, and still travels to an attached dashboard")
    func heldToACentury() throws {
        let now = Date(timeIntervalSince1970: 1_900_000_000)
        let ancient = try #require(
            ClockReading.fromDateHeader(
                "Mon, 01 Jan 1800 00:00:00 GMT", server: "http://a", sentAt: now, receivedAt: now))
        #expect(ancient.offset == -ClockReading.largestOffset)
        for offset in [1e300, -1e300, .infinity, .nan] {
            let reading = ClockReading(server: "http://a", offset: offset, uncertainty: .nan, source: .issuedAt, at: now)
            #expect(reading.offset.isFinite && abs(reading.offset) <= ClockReading.largestOffset)
            let decoded = try JSONDecoder().decode(ClockReading.self, from: JSONEncoder().encode(reading))
            #expect(decoded == reading)
        }
    }
}

@Suite("What counts as a changed API answer")
struct AnswerOutcomeTests {
    @Test("401 insufficient_scope then 401 invalid_token is a change; the same answer again is not")
    func outcomeKey() {
        let at = Date(timeIntervalSince1970: 1_900_000_000)
        func answer(_ status: Int, _ challenge: String?) -> ResourceResponse {
            ResourceResponse(status: status, latency: .milliseconds(3), at: at, wwwAuthenticate: challenge, bodyExcerpt: "")
        }
        let scope = answer(401, #"Bearer error="insufficient_scope", scope="custom_mod""#)
        let invalid = answer(401, #"Bearer error="invalid_token""#)
        #expect(scope.outcomeKey != invalid.outcomeKey)
        #expect(invalid.outcomeKey == answer(401, #"Bearer error="invalid_token", error_description="expired""#).outcomeKey)
        #expect(answer(200, nil).outcomeKey == "200")
    }
}
