import Foundation
import Testing
import TokenModel

/// A refusal for what the client does not send is a configuration error, and every verdict and
/// diagnosis says what to do next.
@Suite("What the person on call does next")
struct NextStepTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func refusal(_ code: String, _ description: String?, status: Int = 400) -> OAuthError {
        .server(code: code, description: description, uri: nil, endpoint: "https://as.example/token", httpStatus: status)
    }

    func failed(_ error: OAuthError, halted: Bool = true) -> ClientSnapshot {
        ClientSnapshot(name: "mod-client", state: .error, lastError: error, retriesHalted: halted)
    }

    @Test(
        "a refusal for a missing DPoP proof, to a client that sent none, asks for DPoP",
        arguments: [
            ("invalid_dpop_proof", "The DPoP proof JWT header is missing."),
            ("use_dpop_nonce", "Authorization server requires nonce in DPoP proof."),
            ("invalid_request", "A DPoP proof is missing from the request"),
        ])
    func dpopRequired(code: String, description: String) {
        let error = refusal(code, description)
        #expect(ClientRequirement.named(by: error, sentProof: false, sentAssertion: false, presentedCertificate: false) == .dpop)
        // A client that sent a proof got it wrong: a proof problem, not a missing setting.
        #expect(ClientRequirement.named(by: error, sentProof: true, sentAssertion: false, presentedCertificate: false) == nil)
    }

    @Test("a server that wants private_key_jwt or a client certificate says so, and only then is it named")
    func otherRequirements() {
        let okta = refusal(
            "invalid_client",
            "Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method.",
            status: 401)
        #expect(
            ClientRequirement.named(by: okta, sentProof: false, sentAssertion: false, presentedCertificate: false)
                == .privateKeyJWT)
        #expect(ClientRequirement.named(by: okta, sentProof: false, sentAssertion: true, presentedCertificate: false) == nil)
        let mtls = refusal(
            "invalid_client",
            "client \"mtls-client\" authenticates with tls_client_auth, but the request presented no TLS client certificate",
            status: 401)
        #expect(
            ClientRequirement.named(by: mtls, sentProof: false, sentAssertion: false, presentedCertificate: false)
                == .clientCertificate)
        #expect(ClientRequirement.named(by: mtls, sentProof: false, sentAssertion: false, presentedCertificate: true) == nil)
        let wrongSecret = refusal("invalid_client", "client authentication failed: wrong secret", status: 401)
        #expect(
            ClientRequirement.named(by: wrongSecret, sentProof: false, sentAssertion: false, presentedCertificate: false) == nil)
        let down = OAuthError.network(.connectionRefused, "connection refused", endpoint: "https://as.example/token")
        #expect(ClientRequirement.named(by: down, sentProof: false, sentAssertion: false, presentedCertificate: false) == nil)
    }

    @Test("DPoP required halts retries, is diagnosed dpop_required, and says to add dpop: true")
    func dpopDiagnosis() throws {
        let error = refusal("invalid_dpop_proof", "The DPoP proof JWT header is missing.").requiring(.dpop)
        #expect(error.needsOperator)
        let client = failed(error)
        let verdict = client.health(at: now)
        #expect(verdict.state == .error)
        #expect(verdict.cause == .diagnosed(.dpopRequired))
        #expect(client.diagnoses(at: now).map(\.cause) == [.dpopRequired])
        #expect(
            client.nextStep(at: now)
                == "this server requires DPoP for this client: add `dpop: true` (tokentop makes and keeps the key)")
        // The same refusal without the mark (a client that sent a proof) is an ordinary one.
        #expect(!refusal("invalid_dpop_proof", "bad signature").needsOperator)
    }

    @Test("the requirement survives the wire, so an attached dashboard diagnoses the same")
    func requirementOnTheWire() throws {
        let error = refusal("invalid_client", "must use private_key_jwt", status: 401).requiring(.privateKeyJWT)
        let decoded = try JSONDecoder().decode(OAuthError.self, from: JSONEncoder().encode(error))
        #expect(decoded == error)
        #expect(decoded.requirement == .privateKeyJWT)
        let unknown = #"{"kind":"server","error":"invalid_client","detail":"","requires":"telepathy"}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(OAuthError.self, from: Data(unknown.utf8)) }
    }

    @Test("every diagnosis cause has its own next step")
    func everyDiagnosis() {
        let client = failed(refusal("invalid_client", "bad secret", status: 401))
        let steps = Diagnosis.Cause.allCases.map { client.nextStep(for: .diagnosed($0)) }
        #expect(steps.allSatisfy { !$0.isEmpty })
        #expect(Set(steps).count == steps.count)
    }

    @Test(
        "a failed token request's next step follows the error's class",
        arguments: [
            (
                OAuthError.server(code: "invalid_client", description: nil, uri: nil, endpoint: "t", httpStatus: 401),
                "update client-secret"
            ),
            (
                .server(code: "unauthorized_client", description: nil, uri: nil, endpoint: "t", httpStatus: 400),
                "client_credentials grant"
            ),
            (.server(code: "invalid_scope", description: nil, uri: nil, endpoint: "t", httpStatus: 400), "grant the scopes"),
            (
                .network(.connectionRefused, "connection refused", endpoint: "http://127.0.0.1:1/token"),
                "reachable from this machine"
            ),
            (.httpStatus(503, summary: "HTTP 503", endpoint: "t"), "is failing, not this client"),
            (.configuration("cannot read the secret file"), "fix the client's configuration"),
            // A 429 is the budget, whether its body is OAuth-shaped (Okta, the demo) or not.
            (
                .server(code: "rate_limit_exceeded", description: nil, uri: nil, endpoint: "t", httpStatus: 429),
                "budget is low or spent"
            ),
            (.httpStatus(429, summary: "HTTP 429", endpoint: "t"), "budget is low or spent"),
        ])
    func tokenRequestSteps(error: OAuthError, expected: String) {
        let client = failed(error, halted: error.needsOperator)
        #expect(client.nextStep(at: now)?.contains(expected) == true, "\(client.nextStep(at: now) ?? "none")")
    }

    @Test("missing_scope names the scope to grant; clock_skew names the server whose clock to check")
    func specificSteps() {
        var client = ClientSnapshot(
            name: "mod-client", state: .valid,
            token: TokenSummary(
                masked: "eyJh…GA", tokenType: "Bearer", decoded: DecodedToken(format: .opaque, header: [:], claims: [:]),
                issuedAt: now.addingTimeInterval(-60), expiresAt: now.addingTimeInterval(3540), refreshAt: nil,
                scopes: ["custom_read"], verdict: SignatureVerdict(.notChecked, "opaque"), extraFields: [:]),
            responses: [
                ResourceResponse(
                    status: 403, latency: .milliseconds(3), at: now,
                    wwwAuthenticate: #"Bearer error="insufficient_scope", scope="custom_mod""#, bodyExcerpt: "")
            ],
            resourceURI: "http://127.0.0.1:8080/mod")
        #expect(client.health(at: now).cause == .diagnosed(.missingScope))
        #expect(client.nextStep(at: now) == "grant custom_mod to this client in the authorization server's access policy")
        client.clockReadings = [
            ClockReading(server: "http://as.example", offset: 600, uncertainty: 1, source: .dateHeader, at: now)
        ]
        #expect(client.nextStep(for: .diagnosed(.clockSkew)) == "check NTP on this machine and on http://as.example")
    }

    @Test("a key is named only where it can be pressed: check says run it again, an attached dashboard names the instance")
    func wordsForTheReader() {
        let rejected = failed(refusal("invalid_client", "wrong secret", status: 401))
        let dashboard = rejected.nextStep(at: now) ?? ""
        #expect(dashboard.hasSuffix("then reload (L)"), "\(dashboard)")
        let command = rejected.nextStep(at: now, in: .command) ?? ""
        #expect(command.hasSuffix("then run the check again"), "\(command)")
        #expect(!command.contains("(L)") && !command.contains("(r)"))
        var attached = rejected
        attached.instance = "127.0.0.1:9464"
        let remote = attached.nextStep(at: now) ?? ""
        #expect(remote.contains("reload the serve instance") && !remote.contains("(L)"), "\(remote)")
        // A cause asking for a new token: a key on the dashboard, a second run for check.
        #expect(rejected.nextStep(for: .diagnosed(.keyRotation)).hasPrefix("refresh (r) for a token"))
        #expect(
            rejected.nextStep(for: .diagnosed(.keyRotation), in: .command).hasPrefix(
                "run the check again (it fetches a new token)"))
        #expect(rejected.nextStep(for: .revokedByOperator, in: .command).contains("(r)") == false)
        // serve names its own endpoint, with the client's name as a path segment.
        let odd = ClientSnapshot(name: "team a/b?c", state: .error, lastError: nil)
        #expect(odd.nextStep(for: .revokedByOperator, in: .serve).contains("POST /api/v1/clients/team%20a%2Fb%3Fc/refresh"))
    }

    @Test("an ok verdict and one still on its way have no next step")
    func nothingToDo() {
        #expect(ClientSnapshot(name: "mod-client", state: .fetching).nextStep(at: now) == nil)
    }
}
