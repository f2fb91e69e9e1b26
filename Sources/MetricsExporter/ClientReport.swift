import Foundation
import TokenModel

/// One client as `check --json` prints it and `GET /api/v1/clients` lists it (README.md,
/// "`check --json`" and "Running it for a fleet"): one type, so the two cannot drift apart.
/// What only `serve` carries (the snapshot, fetch history, operator actions, backoff, the
/// masked token) and what only `check --deep` carries are absent elsewhere, never null.
/// Times are ISO 8601 text (`TimeText.iso8601`), as scripts read them.
public struct ClientReport: Codable, Sendable, Equatable {
    public var name: String
    /// `ok` exactly when `verdict` is `ok`, else `error`: kept for scripts older than `verdict`.
    public var status: String
    /// The verdict's state: `ok`, `degraded`, `pending`, `expired` or `error`.
    public var verdict: String
    /// Why, in a line.
    public var reason: String
    /// What to do about a verdict that is not `ok`, in the words of where it is read.
    public var nextStep: String?
    /// The held token, decoded.
    public var token: Token?
    /// The RFC 7662 answer as sent, or why there is none.
    public var introspection: Introspection?
    /// The last call of `resource-uri`.
    public var resource: Resource?
    /// The last token request's failure.
    public var error: Failure?
    /// Every credential of the client that has an end; absent when it has none.
    public var credentials: [Credential]?
    /// `check --json` only: the round's events, as `--events-file` writes them.
    public var events: [JSONValue]?
    /// `check --deep` only: the causes named, with their evidence.
    public var diagnoses: [Finding]?
    /// `check --deep` only: each check a diagnosis may rest on, run or not.
    public var checks: [Check]?
    /// `check --deep` only: the servers' clocks against this machine's.
    public var clocks: [ClockOffset]?
    /// `check --deep` only: the issuer's key set as last fetched.
    public var keySet: KeySet?
    /// `serve` only: the whole snapshot, for a dashboard attached with `--attach` to draw what a local one would.
    public var snapshot: ClientSnapshot?
    /// `serve` only: the token requests, oldest first.
    public var history: [Fetch]?
    /// `serve` only: the operator's actions; absent when there were none.
    public var actions: [Action]?
    /// `serve` only: `auto` or `manual`.
    public var refreshMode: String?
    /// `serve` only: when the next try after a failure is due.
    public var nextRetryAt: String?
    /// `serve` only: true when retries stopped until the configuration changes; absent otherwise.
    public var retriesHalted: Bool?
    /// `serve` only: true when the token was revoked; absent otherwise.
    public var revoked: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, status, verdict, reason, token, introspection, resource, error, credentials, events, diagnoses, checks
        case clocks, snapshot, history, actions, revoked
        case nextStep = "next_step"
        case keySet = "key_set"
        case refreshMode = "refresh_mode"
        case nextRetryAt = "next_retry_at"
        case retriesHalted = "retries_halted"
    }

    /// The client at `now`.
    /// - Parameters:
    ///   - reader: whose words the next steps are in (`check`'s second run, `serve`'s reload).
    ///   - deep: adds the diagnoses, checks, clocks and key set (`check --deep`).
    ///   - served: adds what `serve` lists, with JWT-shaped text in what an API echoed masked.
    public init(_ client: ClientSnapshot, at now: Date, reader: NextStepReader, deep: Bool = false, served: Bool = false) {
        let health = client.health(at: now)
        name = client.name
        status = health.state == .ok ? "ok" : "error"
        verdict = health.state.rawValue
        reason = health.reason
        nextStep = health.cause.map { client.nextStep(for: $0, in: reader) }
        token = client.token.map { Token($0, at: now, served: served) }
        if let answer = client.introspection {
            // The answer as sent: a server's own `checked_at` is not overwritten.
            introspection = .answer(
                answer.fields.merging(["checked_at": .string(TimeText.iso8601(answer.checkedAt))]) { sent, _ in sent })
        } else {
            introspection = client.introspectionError.map { .failed(Failure($0)) }
        }
        resource = client.lastResponse.map { Resource($0, served: served) }
        error = client.lastError.map(Failure.init)
        credentials = client.credentials.isEmpty ? nil : client.credentials.map(Credential.init)
        if deep {
            diagnoses = client.diagnoses(at: now).map { diagnosis in
                Finding(
                    cause: diagnosis.cause.rawValue, summary: diagnosis.summary, evidence: diagnosis.evidence,
                    nextStep: client.nextStep(for: .diagnosed(diagnosis.cause), in: reader))
            }
            checks = client.diagnosticChecks(at: now).map(Check.init)
            clocks = client.clockReadings.map(ClockOffset.init)
            keySet = client.keySet.map { KeySet($0, tokenKeyID: client.token?.decoded.keyID) }
        }
        if served {
            snapshot = Self.exported(client)
            history = client.history.map(Fetch.init)
            actions = client.actions.isEmpty ? nil : client.actions.map(Action.init)
            refreshMode = client.refreshMode.rawValue
            nextRetryAt = client.nextRetryAt.map(TimeText.iso8601)
            retriesHalted = client.retriesHalted ? true : nil
            revoked = client.revoked ? true : nil
        }
    }

    /// The snapshot as served: what an API echoed (its body, its challenge, an action's outcome)
    /// with JWT-shaped text masked, as in the rest of the report.
    static func exported(_ client: ClientSnapshot) -> ClientSnapshot {
        var exported = client
        exported.responses = client.responses.map { response in
            var masked = response
            masked.bodyExcerpt = Redaction.maskingJWTs(response.bodyExcerpt)
            masked.wwwAuthenticate = response.wwwAuthenticate.map(Redaction.maskingJWTs)
            return masked
        }
        exported.actions = client.actions.map { record in
            var masked = record
            masked.outcome = Redaction.maskingJWTs(record.outcome)
            return masked
        }
        return exported
    }
}

extension ClientReport {
    /// The held token: `header` and `claims` for JWTs; `masked` from `serve`.
    public struct Token: Codable, Sendable, Equatable {
        /// `jwt` or `opaque`.
        public var format: String
        /// The granted scopes, space-separated.
        public var scope: String
        /// The `token_type` sent (`Bearer`, `DPoP`).
        public var type: String
        public var issuedAt: String
        public var expiresAt: String?
        /// Whole seconds left at the report's time, never negative.
        public var expiresIn: Int?
        public var header: [String: JSONValue]?
        public var claims: [String: JSONValue]?
        /// How the token is bound to the client (bearer, DPoP, mTLS), in words.
        public var binding: String
        public var signature: Signature
        /// `serve` only: the token as it may be shown (`eyJr…9Q`).
        public var masked: String?

        enum CodingKeys: String, CodingKey {
            case format, scope, type, header, claims, binding, signature, masked
            case issuedAt = "issued_at"
            case expiresAt = "expires_at"
            case expiresIn = "expires_in"
        }

        init(_ token: TokenSummary, at now: Date, served: Bool) {
            format = token.decoded.format.rawValue
            scope = token.scopes.joined(separator: " ")
            type = token.tokenType
            issuedAt = TimeText.iso8601(token.issuedAt)
            expiresAt = token.expiresAt.map(TimeText.iso8601)
            // Capped before the conversion: a date far ahead is still a whole number.
            expiresIn = token.expiresAt.map { max(0, Int(min($0.timeIntervalSince(now), 1e12).rounded())) }
            if token.decoded.format == .jwt {
                header = token.decoded.header
                claims = token.decoded.claims
            }
            binding = token.binding.display
            signature = Signature(status: token.verdict.status.rawValue, reason: token.verdict.reason)
            masked = served ? token.masked : nil
        }
    }

    /// The signature check: `verified`, `failed`, `unverified` or `checking`, with its reason.
    public struct Signature: Codable, Sendable, Equatable {
        public var status: String
        public var reason: String
    }

    /// Introspection: the authorization server's answer with `checked_at`, or the failure to get one.
    public enum Introspection: Codable, Sendable, Equatable {
        /// The RFC 7662 answer as sent, with when it was checked.
        case answer([String: JSONValue])
        /// `{"error": …}`: why there is no answer.
        case failed(Failure)

        private enum CodingKeys: String, CodingKey { case error }

        public init(from decoder: any Decoder) throws {
            // An RFC 7662 answer always has `active`: an object of `error` alone is a failure.
            let members = try decoder.container(keyedBy: MemberName.self).allKeys.map(\.stringValue)
            if members == ["error"] {
                self = .failed(try decoder.container(keyedBy: CodingKeys.self).decode(Failure.self, forKey: .error))
            } else {
                self = .answer(try decoder.singleValueContainer().decode([String: JSONValue].self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .answer(let fields):
                var container = encoder.singleValueContainer()
                try container.encode(fields)
            case .failed(let failure):
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(failure, forKey: .error)
            }
        }
    }

    /// The last call of `resource-uri`: `status` is absent when no answer came (then `error` says why).
    public struct Resource: Codable, Sendable, Equatable {
        /// The HTTP status; absent when no answer came.
        public var status: Int?
        /// How long the answer took, in whole milliseconds.
        public var latencyMs: Int
        /// The start of the answer's body; from `serve`, JWT-shaped text in it masked.
        public var body: String
        /// When the call was made.
        public var at: String
        public var error: Failure?
        /// The parsed `WWW-Authenticate` of a 401/403.
        public var challenge: Challenge?

        enum CodingKeys: String, CodingKey {
            case status, body, at, error, challenge
            case latencyMs = "latency_ms"
        }

        init(_ response: ResourceResponse, served: Bool) {
            status = response.status
            latencyMs = Int((response.latency.timeInterval * 1000).rounded())
            body = served ? Redaction.maskingJWTs(response.bodyExcerpt) : response.bodyExcerpt
            at = TimeText.iso8601(response.at)
            error = response.failure.map(Failure.init)
            if let challenge = response.challengeError, let code = challenge.error {
                self.challenge = Challenge(
                    error: code.rawValue, errorDescription: challenge.errorDescription,
                    scope: challenge.scope.isEmpty ? nil : challenge.scope.joined(separator: " "))
            }
        }
    }

    /// A refusal's `WWW-Authenticate` error, as RFC 6750 §3 names its parts.
    public struct Challenge: Codable, Sendable, Equatable {
        public var error: String
        public var errorDescription: String?
        /// The scopes the API asks for, space-separated.
        public var scope: String?

        enum CodingKeys: String, CodingKey {
            case error, scope
            case errorDescription = "error_description"
        }
    }

    /// A failed request: the RFC 6749 `error` as sent, or tokentop's own code (`timeout`, `dns_failure`, …).
    public struct Failure: Codable, Sendable, Equatable {
        public var code: String
        public var description: String
        public var httpStatus: Int?

        enum CodingKeys: String, CodingKey {
            case code, description
            case httpStatus = "http_status"
        }

        init(_ error: OAuthError) {
            code = error.code
            description = error.description
            httpStatus = error.httpStatus
        }
    }
}
