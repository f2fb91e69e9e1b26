import Foundation
import ProtocolSupport

/// Why a verdict is what it is, in a form a program can switch on: every verdict reason and
/// every diagnosis has one, and each has one next step (`ClientSnapshot.nextStep(for:)`).
public enum VerdictCause: Sendable, Equatable {
    /// A cause a diagnosis names: `credentials_rejected`, `dpop_required`, `clock_skew`, ….
    case diagnosed(Diagnosis.Cause)
    /// An attached `serve` instance does not answer.
    case instanceUnreachable
    /// No answer from the authorization server: refused, unresolved, TLS, timeout.
    case authorizationServerUnreachable
    /// The authorization server answers, but with a failure of its own (5xx, 429, garbage).
    case authorizationServerFailing
    /// `unauthorized_client` or `access_denied`: the client may not use this grant.
    case clientNotAllowed
    /// `invalid_scope`: a scope asked for is not granted to the client.
    case scopeRefused
    /// Any other refusal of the token request as sent.
    case tokenRequestRefused
    /// The client cannot be tried: an unreadable secret or key, a missing endpoint, plain http.
    case configuration
    /// The token expired and no new one came.
    case tokenExpired
    /// The operator revoked the token (the `x` action).
    case revokedByOperator
    /// The token's signature does not verify here.
    case signatureFailed
    /// The signature holds, but `iss`, `aud` or the times do not.
    case claimsFailed
    /// The token is not bound to the key or certificate the client holds.
    case bindingMismatch
    /// `dpop: true`, but the server issued a Bearer token.
    case dpopIgnored
    /// `resource-uri` does not answer.
    case apiUnreachable
    /// `resource-uri` answers with a refusal no diagnosis names.
    case apiRefuses
    /// The signature could not be checked yet (the key set is not at hand).
    case signatureNotChecked
    /// Introspecting an opaque token failed.
    case introspectionFailed
    /// The token endpoint's rate-limit budget, shared by the issuer's clients, is low or spent.
    case rateLimited
    /// A credential behind the token (certificate, secret, assertion) has ended or ends soon.
    case credentialEnding

    /// The cause of a failed token request, from the error's class.
    public static func tokenRequest(_ error: OAuthError) -> VerdictCause {
        if let requirement = error.requirement { return .diagnosed(Diagnosis.Cause(requirement)) }
        if let rejection = error.assertionRejection { return .diagnosed(rejection.cause) }
        // A 429 is the budget, whatever its body says (Okta's and the demo's are OAuth-shaped).
        if error.isRateLimited { return .rateLimited }
        switch error.kind {
        case .server(let code):
            switch code {
            case .invalidClient: return .diagnosed(.credentialsRejected)
            case .unauthorizedClient, .accessDenied: return .clientNotAllowed
            case .invalidScope: return .scopeRefused
            case .serverError, .temporarilyUnavailable: return .authorizationServerFailing
            default: return (error.httpStatus ?? 400) >= 500 ? .authorizationServerFailing : .tokenRequestRefused
            }
        case .httpStatus:
            return (error.httpStatus ?? 500) >= 500 ? .authorizationServerFailing : .tokenRequestRefused
        case .connectionRefused, .dnsFailure, .tlsFailure, .connectionFailed, .timeout: return .authorizationServerUnreachable
        case .bodyTooLarge, .invalidResponse: return .authorizationServerFailing
        case .redirectRefused, .insecureTransport, .discovery, .configuration: return .configuration
        }
    }
}

extension Diagnosis.Cause {
    /// The diagnosis of a server's requirement the client does not meet.
    public init(_ requirement: ClientRequirement) {
        switch requirement {
        case .dpop: self = .dpopRequired
        case .privateKeyJWT: self = .privateKeyJWTRequired
        case .clientCertificate: self = .clientCertificateRequired
        }
    }
}

extension ClientSnapshot {
    /// What the person on call does next about the verdict at `now`; nil when nothing is wrong
    /// or the answer is on its way.
    public func nextStep(at now: Date, in reader: NextStepReader = .dashboard) -> String? {
        health(at: now).cause.map { nextStep(for: $0, in: reader) }
    }

    /// The one place a cause becomes a next step, for the dashboard and `check` alike: one
    /// line, in the words of the setting or key that helps where it is read (`reader`).
    public func nextStep(for cause: VerdictCause, in reader: NextStepReader = .dashboard) -> String {
        let words = ActionWords(reader: reader, attached: instance != nil, client: name)
        switch cause {
        case .diagnosed(let diagnosed): return nextStep(forDiagnosis: diagnosed, words: words)
        case .instanceUnreachable:
            return "check that `tokentop serve` still runs at this address and that this machine can reach it"
        case .authorizationServerUnreachable:
            return "check that the authorization server\(tokenEndpointText) is up and reachable from this machine "
                + "(DNS, firewall, proxy, CA); tokentop retries with backoff"
        case .authorizationServerFailing:
            return "the authorization server\(tokenEndpointText) is failing, not this client: check its status; "
                + "tokentop retries with backoff"
        case .clientNotAllowed:
            return "allow the client_credentials grant for this client in the authorization server"
        case .scopeRefused:
            let scopes = configuredScopes.isEmpty ? "" : " (\(configuredScopes.joined(separator: " ")))"
            return "grant the scopes asked for\(scopes) to this client in the authorization server, or ask for fewer (scope)"
        case .tokenRequestRefused:
            return "the token request was refused as sent: fix the setting the server's error names, then \(words.reload)"
        case .configuration:
            return "fix the client's configuration as the error says, then \(words.reload)"
        case .tokenExpired:
            return refreshMode == .manual
                ? "\(words.refresh) to fetch a new token (refresh: manual)"
                : "\(words.refresh); the token request's error\(words.inHistory) says why none came"
        case .revokedByOperator:
            return "\(words.refresh) to fetch a new token"
        case .signatureFailed:
            return "check jwk-set-uri and expected-issuer: the key set must be the issuer's own"
        case .claimsFailed:
            return "compare expected-issuer and expected-audience with the token's iss and aud (Claims tab), "
                + "and this machine's clock with the server's"
        case .bindingMismatch:
            return "the token is not bound to this client's key or certificate: check the server's DPoP or mTLS "
                + "settings for this client"
        case .dpopIgnored:
            return "enable DPoP-bound tokens for this client in the authorization server, or remove dpop: true"
        case .apiUnreachable:
            return "check that resource-uri is up and reachable from this machine"
        case .apiRefuses:
            return "the API refuses the call: check resource-uri and what the API requires (check --deep names the cause)"
        case .signatureNotChecked:
            return "wait for the key set, or set jwk-set-uri when the issuer publishes none by discovery"
        case .introspectionFailed:
            return "check introspection-uri and that the authorization server answers it"
        case .credentialEnding:
            return "renew the credential named (certificate, secret or assertion) before it ends, update the "
                + "client's configuration and \(words.reload)"
        case .rateLimited:
            return "the issuer's token endpoint budget is low or spent: find why the client named on the Token tab asks "
                + "so often, or raise the limit; tokentop waits for the reset"
        }
    }

    private func nextStep(forDiagnosis cause: Diagnosis.Cause, words: ActionWords) -> String {
        switch cause {
        case .revoked:
            return "\(words.fetchNew); if it was revoked on purpose, find out why first"
        case .audienceOrIssuerMismatch:
            return "set audience (or resource) to what the API expects, or make the API accept this token's aud and iss"
        case .apiRefusesValidToken:
            return "compare the audience and issuer the API expects with the token's (check --deep lists them); "
                + "the API's log says which"
        case .credentialsRejected:
            return "the secret or key is wrong or was rotated: update client-secret (or private-key-file), "
                + "then \(words.reload)"
        case .missingScope:
            let missing = missingScopes
            return missing.isEmpty
                ? "grant this client the scope the API asks for in the authorization server's access policy"
                : "grant \(missing.joined(separator: " ")) to this client in the authorization server's access policy"
        case .clockSkew:
            let server = skewedClocks.first?.server ?? "the authorization server"
            return "check NTP on this machine and on \(server)"
        case .keyRotation:
            return "\(words.refresh) for a token signed by a published key; APIs that cache keys may need their copy "
                + "refreshed"
        case .introspectionNotAllowed:
            return "allow this client to introspect in the authorization server, or remove introspection-uri"
        case .dpopRequired:
            return "this server requires DPoP for this client: add `dpop: true` (tokentop makes and keeps the key)"
        case .privateKeyJWTRequired:
            return "this server requires a client assertion for this client: set client-authentication-method: "
                + "private_key_jwt with private-key-file"
        case .clientCertificateRequired:
            return "this server requires a TLS client certificate for this client: set tls-client-certificate-file "
                + "and tls-client-key-file"
        case .assertionExpired:
            return "the client assertion had expired: check that client-assertion-file is rotated (a projected "
                + "token is renewed by the kubelet) or that client-assertion-command makes a fresh one"
        case .assertionAudienceMismatch:
            return "make the assertion's aud what the server's federated credential expects (Entra: api://AzureADTokenExchange)"
        case .assertionSubjectRejected:
            return "make the federated credential's subject at the server match the assertion's sub exactly (case matters)"
        }
    }

    /// The scopes the API's `insufficient_scope` asks for that the held token lacks.
    var missingScopes: [String] {
        guard let challenge = currentResponse?.challengeError, challenge.error == .insufficientScope else { return [] }
        let held = Set(token?.scopes ?? [])
        return challenge.scope.filter { !held.contains($0) }
    }

    /// ` at https://as.example/token`, when the last failure named it.
    private var tokenEndpointText: String {
        lastError?.endpoint.map { " at \($0)" } ?? ""
    }
}

/// Where a next step is read. "Fetch a new token" and "read the configuration again" are a key
/// on the dashboard, but a one-shot `check` has no keys: it is run again.
public enum NextStepReader: Sendable {
    /// The dashboard: its keys (`r`, `L`), or the `serve` instance's when attached.
    case dashboard
    /// `check` and its JSON: nothing to press, the command is run again.
    case command
    /// `serve`'s /api/v1/clients: the service fetches and reloads, on request or on a signal.
    case serve
}

/// The words for the two actions next steps ask for, as the reader can take them.
private struct ActionWords {
    /// Fetch a new token now.
    let refresh: String
    /// The same, said as what it does.
    let fetchNew: String
    /// Read the configuration again.
    let reload: String
    /// Where the failed request's error is kept, with its leading space; empty when nowhere else.
    let inHistory: String

    init(reader: NextStepReader, attached: Bool, client: String) {
        switch (reader, attached) {
        case (.dashboard, false):
            (refresh, fetchNew, reload, inHistory) = ("refresh (r)", "fetch a new token (r)", "reload (L)", " in History")
        case (.dashboard, true):
            // The configuration is the instance's; `r` is sent to it only when it allows actions.
            (refresh, fetchNew, reload, inHistory) = (
                "refresh (r, when the instance allows actions)", "fetch a new token (r, when the instance allows actions)",
                "reload the serve instance (systemctl reload tokentop, or SIGHUP)", " in History"
            )
        case (.command, _):
            (refresh, fetchNew, reload, inHistory) = (
                "run the check again (it fetches a new token)", "run the check again: it fetches a new token",
                "run the check again", ""
            )
        case (.serve, _):
            let client = PathSegment.escaped(client)
            (refresh, fetchNew, reload, inHistory) = (
                "refresh (POST /api/v1/clients/\(client)/refresh, with --allow-actions)",
                "fetch a new token (POST /api/v1/clients/\(client)/refresh, with --allow-actions)",
                "reload serve (systemctl reload tokentop, or SIGHUP)", " in the client's history"
            )
        }
    }
}
