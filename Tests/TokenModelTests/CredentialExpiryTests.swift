import Foundation
import Testing
import TokenModel

/// The credentials behind a token count down on their own, and put their verdict on the client.
@Suite("Credential countdowns")
struct CredentialExpiryTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let day: TimeInterval = 86_400

    func client(
        _ credentials: [CredentialExpiry], warning: Duration = CredentialExpiry.standardWarning,
        refreshAt: Date? = nil
    ) -> ClientSnapshot {
        let token = TokenSummary(
            masked: "eyJh…GA", tokenType: "Bearer", decoded: DecodedToken(format: .opaque, header: [:], claims: [:]),
            issuedAt: now.addingTimeInterval(-60), expiresAt: now.addingTimeInterval(3540), refreshAt: refreshAt,
            scopes: [], verdict: SignatureVerdict(.unverified, "opaque token: it can only be introspected"), extraFields: [:])
        return ClientSnapshot(
            name: "mod-client", state: .valid, token: token, credentials: credentials, credentialWarning: warning)
    }

    func certificate(endingIn seconds: TimeInterval, kind: CredentialExpiry.Kind = .certificate) -> CredentialExpiry {
        CredentialExpiry(kind: kind, subject: "CN=mod-client", expiresAt: now.addingTimeInterval(seconds))
    }

    @Test("a certificate ending in 9 days, inside the 14-day window: degraded, named with its subject")
    func insideWindow() {
        let verdict = client([certificate(endingIn: 9 * day)]).health(at: now)
        #expect(verdict.state == .degraded)
        #expect(verdict.reason == "client certificate expires in 9d00h (CN=mod-client)")
    }

    @Test("a certificate ending in 15 days, outside the window: the token's own verdict")
    func outsideWindow() {
        let verdict = client([certificate(endingIn: 15 * day)]).health(at: now)
        #expect(verdict.state == .ok)
        #expect(!verdict.reason.contains("certificate"))
    }

    @Test("the window is the client's credential-warning")
    func configuredWindow() {
        #expect(client([certificate(endingIn: 15 * day)], warning: .seconds(30 * 86_400)).health(at: now).state == .degraded)
        #expect(client([certificate(endingIn: 9 * day)], warning: .seconds(7 * 86_400)).health(at: now).state == .ok)
    }

    @Test("an expired secret is an error, even with a good token held")
    func expired() {
        let secret = CredentialExpiry(kind: .secret, subject: "mod-client", expiresAt: now.addingTimeInterval(-2 * day))
        let verdict = client([secret, certificate(endingIn: 9 * day)]).health(at: now)
        #expect(verdict.state == .error)
        #expect(verdict.reason.hasPrefix("client secret expired 2d00h ago (mod-client)"))
    }

    @Test("derived from the clock when read: the same snapshot turns degraded, then error, as time passes")
    func derivedWhenRead() {
        let snapshot = client([certificate(endingIn: 20 * day, kind: .keyCertificate)])
        #expect(snapshot.health(at: now).state == .ok)
        // (The hour-long token has long expired by then too; the reason names both.)
        #expect(
            snapshot.health(at: now.addingTimeInterval(7 * day)).reason
                .hasSuffix("; signing key's certificate expires in 13d00h (CN=mod-client)"))
        let ended = snapshot.health(at: now.addingTimeInterval(20 * day))
        #expect(ended.state == .error)
        #expect(ended.reason.hasPrefix("signing key's certificate expired now (CN=mod-client)"))
    }

    @Test("a federated assertion ending before the next refresh is a warning; one that outlives it is not")
    func assertionBeforeRefresh() {
        let assertion = CredentialExpiry(
            kind: .assertion, subject: "system:serviceaccount:ns:app",
            expiresAt: now.addingTimeInterval(600))
        let early = client([assertion], refreshAt: now.addingTimeInterval(1800)).health(at: now)
        #expect(early.state == .degraded)
        #expect(
            early.reason == "client assertion expires in 10m00s (system:serviceaccount:ns:app), before the next refresh in 30m00s"
        )
        // An hour-long assertion never falls in the 14-day window on its own.
        #expect(client([assertion], refreshAt: now.addingTimeInterval(300)).health(at: now).state == .ok)
    }

    @Test("the metric takes the earliest end of each kind")
    func earliestByKind() {
        let ends = CredentialExpiry.earliestByKind([
            certificate(endingIn: 9 * day), certificate(endingIn: 3 * day), certificate(endingIn: day, kind: .keyCertificate),
        ])
        #expect(ends == [.certificate: now.addingTimeInterval(3 * day), .keyCertificate: now.addingTimeInterval(day)])
    }

    @Test("credentials travel in the snapshot's wire form")
    func roundTrip() throws {
        let original = client(
            [
                certificate(endingIn: 9 * day),
                CredentialExpiry(
                    kind: .assertion, subject: "sub", expiresAt: now.addingTimeInterval(600), details: ["iss": "https://ci"]),
            ], warning: .seconds(3 * 86_400))
        let decoded = try JSONDecoder().decode(ClientSnapshot.self, from: try JSONEncoder().encode(original))
        #expect(decoded.credentials == original.credentials)
        #expect(decoded.credentialWarning == .seconds(3 * 86_400))
    }
}

/// What the server said about a refused client assertion, from its error response.
@Suite("Refused client assertions")
struct AssertionRejectionTests {
    func error(_ code: String, _ description: String) -> OAuthError {
        OAuthError.server(code: code, description: description, uri: nil, endpoint: "token endpoint", httpStatus: 401)
    }

    @Test(
        "Entra's codes, and plain descriptions, name the cause",
        arguments: [
            ("invalid_client", "AADSTS700024: Client assertion is not within its valid time range.", AssertionRejection.expired),
            (
                "invalid_client", "AADSTS70021: No matching federated identity record found for presented assertion.",
                .audienceMismatch
            ),
            (
                "invalid_client",
                "AADSTS700213: No matching federated identity record found for presented assertion subject 'x'.", .subjectRejected
            ),
            ("invalid_grant", "the client assertion expired", .expired),
            ("invalid_client", "the client assertion's aud is not api://AzureADTokenExchange", .audienceMismatch),
            ("invalid_client", "no federated identity for the assertion's subject", .subjectRejected),
        ])
    func named(code: String, description: String, expected: AssertionRejection) {
        #expect(error(code, description).assertionRejection == expected)
    }

    @Test("other refusals are not about the assertion; other codes never are")
    func notAboutTheAssertion() {
        #expect(error("invalid_client", "wrong secret for client \"mod-client\"").assertionRejection == nil)
        #expect(error("invalid_scope", "the client assertion expired").assertionRejection == nil)
    }

    @Test("an expired assertion does not stop retries (the file may rotate); a rejected subject does")
    func retries() {
        #expect(!error("invalid_client", "AADSTS700024: Client assertion is not within its valid time range.").needsOperator)
        #expect(error("invalid_client", "AADSTS700213: no match for the assertion subject").needsOperator)
        #expect(error("invalid_client", "wrong secret").needsOperator)
    }

    @Test("the diagnosis names the cause instead of the generic credentials_rejected")
    func diagnosis() {
        let client = ClientSnapshot(
            name: "federated", state: .error,
            lastError: error(
                "invalid_client", "AADSTS70021: No matching federated identity record found for presented assertion."))
        #expect(client.diagnoses(at: Date()).map(\.cause) == [.assertionAudienceMismatch])
    }
}
