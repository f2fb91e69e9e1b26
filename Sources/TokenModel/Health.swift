import Foundation

/// A client's health, worst first. Every front end (dashboard, `check`, the exporter) shows
/// this one verdict; none computes its own.
public enum HealthState: String, CaseIterable, Sendable, Codable {
    /// No usable token: the fetch failed, retries are halted, the signature is bad, the
    /// server says the token is inactive.
    case error
    /// The token expired and no new one came.
    case expired
    /// A usable token, but something the user configured fails: the API, refreshing, the
    /// signature check or introspection.
    case degraded
    /// Not known yet: the first token or the first API answer is on its way.
    case pending
    /// Everything configured works.
    case ok

    /// 0 for the worst; for sorting and for picking a process exit status.
    public var severity: Int {
        switch self {
        case .error: 0
        case .expired: 1
        case .degraded: 2
        case .pending: 3
        case .ok: 4
        }
    }
}

/// The verdict on one client with the one-line reason shown beside it, and the cause of the
/// first thing wrong, which has a next step (`ClientSnapshot.nextStep(for:)`).
public struct HealthVerdict: Sendable, Equatable {
    public var state: HealthState
    public var reason: String
    /// Nil when nothing is wrong, or when the answer is on its way.
    public var cause: VerdictCause?

    public init(_ state: HealthState, _ reason: String, cause: VerdictCause? = nil) {
        self.state = state
        self.reason = reason
        self.cause = cause
    }
}

extension ClientSnapshot {
    /// The verdict at `now`, from everything known about the client: token state, the last
    /// fetch, the signature verdict, introspection, and the last answer of `resource-uri`.
    public func health(at now: Date) -> HealthVerdict {
        judge(at: now, say: Wording(isOn: true))
    }

    /// The verdict's state alone: the same judgement as `health(at:)`, without writing its
    /// reason. A frame needs every client's state (to count, order and filter the table) but
    /// the words only of the rows it shows, and the words are most of a verdict's cost.
    public func healthState(at now: Date) -> HealthState {
        judge(at: now, say: Wording(isOn: false)).state
    }

    private func judge(at now: Date, say: Wording) -> HealthVerdict {
        if let instanceFailure { return HealthVerdict(.error, say(instanceFailure), cause: .instanceUnreachable) }
        let verdict = tokenHealth(at: now, say: say)
        guard !credentials.isEmpty,
            let credential = CredentialExpiry.verdict(
                credentials, warning: credentialWarning, nextRefresh: token?.refreshAt, now: now)
        else { return verdict }
        // The worse state wins; the credential is named first on a tie, being the likelier cause.
        let quiet: Set<HealthState> = [.ok, .pending]
        let ordered = credential.state.severity <= verdict.state.severity ? [credential, verdict] : [verdict, credential]
        let reasons = ordered.filter { !quiet.contains($0.state) }.map(\.reason)
        return HealthVerdict(ordered[0].state, say(reasons.joined(separator: "; ")), cause: ordered[0].cause)
    }

    /// The verdict from the token, its fetches and the API, before the credentials behind it.
    private func tokenHealth(at now: Date, say: Wording) -> HealthVerdict {
        switch state(at: now) {
        case .error:
            return HealthVerdict(.error, say(fetchFailureReason(now: now)), cause: say.names(fetchFailureCause))
        case .fetching:
            // Fetching after a failure is still a failure until a token arrives.
            if lastError != nil {
                return HealthVerdict(
                    .error, say(fetchFailureReason(now: now) + "; retrying now"), cause: say.names(fetchFailureCause))
            }
            return HealthVerdict(.pending, "fetching a token")
        case .expired:
            let ago = say(token?.expiresAt.map { " " + TimeText.relative($0, now: now) } ?? "")
            let mode = refreshMode == .manual ? " (refresh: manual)" : ""
            return HealthVerdict(.expired, say("token expired\(ago) and no new one was fetched\(mode)"), cause: .tokenExpired)
        case .noToken:
            if revoked {
                return HealthVerdict(
                    .error, "token revoked by the operator; no new one until a manual refresh", cause: .revokedByOperator)
            }
            return HealthVerdict(.pending, refreshMode == .manual ? "no token yet (refresh: manual)" : "no token yet")
        case .valid, .refreshDue:
            return heldTokenHealth(now: now, say: say)
        }
    }

    private func heldTokenHealth(now: Date, say: Wording) -> HealthVerdict {
        guard let token else { return HealthVerdict(.pending, "no token yet") }
        var problems: [(text: String, cause: VerdictCause)] = []
        if token.verdict.status == .failed {
            // A rotated key and a skewed clock spoil this token, not the client: a new token is
            // on its way (key rotation), or the token still works where clocks agree.
            if token.verdict.failure == .keyNotPublished || unpublishedSigningKey != nil {
                let key = say(unpublishedSigningKey.map { "key \"\($0)\"" } ?? "a key")
                let next =
                    isFetching
                    ? "fetching a new token"
                    : retriesHalted ? "no new token until the credentials are fixed" : "a new token will be fetched"
                problems.append(
                    (say("key rotation: signed by \(key), which the issuer does not publish; \(next)"), .diagnosed(.keyRotation)))
            } else if token.verdict.failure == .timeClaims, let skewed = skewedClocks.first {
                problems.append(
                    (say("clock skew: \(skewed.summary); locally the token is \(token.verdict.reason)"), .diagnosed(.clockSkew)))
            } else if token.verdict.failure == .timeClaims, currentResponse?.isSuccess == true {
                // The API takes the token its times rule out here: a clock is off, whether or
                // not a reading shows by how much.
                problems.append(
                    (
                        say("clock skew: locally the token is \(token.verdict.reason), yet the API accepts it"),
                        .diagnosed(.clockSkew)
                    ))
            } else {
                let cause = say(skewedClocks.first.map { "; cause: clock skew, \($0.summary)" } ?? "")
                let failed: VerdictCause = token.verdict.subject == "claims" ? .claimsFailed : .signatureFailed
                return HealthVerdict(
                    .error, say("\(token.verdict.subject): \(token.verdict.reason)\(cause)"),
                    cause: skewedClocks.isEmpty ? failed : .diagnosed(.clockSkew))
            }
        }
        if let introspection, !introspection.active, introspection.checkedAt >= token.issuedAt {
            return HealthVerdict(
                .error, "introspection: the server says the token is not active (revoked?)", cause: .diagnosed(.revoked))
        }
        let introspected = introspection.flatMap { $0.checkedAt >= token.issuedAt ? $0.fields : nil }
        if let mismatch = token.binding.mismatch(introspected: introspected) {
            return HealthVerdict(.error, mismatch, cause: .bindingMismatch)
        }
        let remaining =
            say.isOn
            ? token.expiresAt.map { "valid " + TimeText.coarseDuration(seconds: max(0, TimeText.secondsUntil($0, now: now))) }
            : nil
        if token.binding.dpopIgnored { problems.append((TokenBinding.dpopIgnoredReason, .dpopIgnored)) }
        if let lastError, lastError.isRateLimited {
            problems.append((say(rateLimitedReason(now: now) + (remaining.map { " — current token \($0)" } ?? "")), .rateLimited))
        } else if let lastError {
            problems.append(
                (
                    say("refresh failing (\(lastError.code))" + (remaining.map { " — current token \($0)" } ?? "")),
                    VerdictCause.tokenRequest(lastError)
                ))
        }
        if let budget = tokenEndpointBudget, budget.isLow(at: now), lastError?.isRateLimited != true {
            problems.append((say(budget.warning(at: now)), .rateLimited))
        }
        // The last answer is read in place and copied only when it is not a 2xx: this runs for
        // every client on every frame.
        if resourceURI != nil, let last = responses.indices.last, !responses[last].isSuccess,
            let problem = apiProblem(responses[last], now: now, say: say)
        {
            problems.append(problem)
        }
        if token.verdict.status != .failed, let kid = retiredSigningKey {
            problems.append((say("signed by key \"\(kid)\", which the issuer no longer publishes"), .diagnosed(.keyRotation)))
        }
        if let skewed = skewedClocks.first, !problems.contains(where: { $0.cause == .diagnosed(.clockSkew) }) {
            problems.append((say("clock skew: \(skewed.summary)"), .diagnosed(.clockSkew)))
        }
        if token.decoded.format == .jwt, token.verdict.status == .unverified {
            problems.append((say("signature not checked: \(token.verdict.reason)"), .signatureNotChecked))
        }
        if let introspectionError, introspectionError.kind != .configuration, token.decoded.format == .opaque {
            problems.append((say("introspection failed: \(introspectionError.reason)"), .introspectionFailed))
        }
        if let first = problems.first {
            return HealthVerdict(.degraded, say(problems.map(\.text).joined(separator: "; ")), cause: first.cause)
        }
        if token.verdict.status == .checking {
            return HealthVerdict(.pending, say("checking the signature: \(token.verdict.reason(at: now))"))
        }
        if resourceURI != nil, responses.isEmpty, !pollingPaused {
            return HealthVerdict(.pending, "waiting for the first API answer")
        }
        // Not through `say`: its closure would copy the whole snapshot to capture it.
        return HealthVerdict(.ok, say.isOn ? okReason(token, remaining: remaining) : "")
    }

    /// `valid 4m, signature verified, API 200`: what a healthy client's row says.
    private func okReason(_ token: TokenSummary, remaining: String?) -> String {
        var parts = [remaining ?? "token held (lifetime unknown)"]
        switch token.verdict.status {
        case .verified: parts.append("signature verified")
        case .notChecked:
            parts.append("signature not checked (no key set configured)")
            if currentIntrospection?.active == true { parts.append("introspection: active") }
        default: break
        }
        if let response = lastResponse, let status = response.status, resourceURI != nil { parts.append("API \(status)") }
        return parts.joined(separator: ", ")
    }

    /// What is wrong with the API's answer, in a few words, and why; nil for a 2xx.
    private func apiProblem(_ response: ResourceResponse, now: Date, say: Wording) -> (text: String, cause: VerdictCause)? {
        let age = isStale(response, at: now) ? say(" (" + TimeText.relative(response.at, now: now) + ")") : ""
        if let failure = response.failure {
            switch failure.kind {
            case .timeout: return (say("API timeout: \(failure.reason)\(age)"), .apiUnreachable)
            case .redirectRefused: return (say("API redirect refused\(age)"), .apiRefuses)
            default: return (say("API unreachable: \(failure.reason)\(age)"), .apiUnreachable)
            }
        }
        guard let status = response.status, !response.isSuccess else { return nil }
        // A refusal is a problem whatever its cause: a judgement of the state alone stops here,
        // before the diagnoses and the challenge are read.
        guard say.isOn else { return ("", .apiRefuses) }
        // The diagnosis that explains the refusal, when one does (revoked, audience, key rotation).
        let diagnosed = diagnoses(at: now).first {
            [.missingScope, .audienceOrIssuerMismatch, .apiRefusesValidToken, .keyRotation, .revoked].contains($0.cause)
        }
        let cause = diagnosed.map { VerdictCause.diagnosed($0.cause) } ?? .apiRefuses
        if let challenge = response.challengeError, let error = challenge.error {
            if error == .insufficientScope {
                let held = Set(token?.scopes ?? [])
                let missing = challenge.scope.filter { !held.contains($0) }
                let detail =
                    missing.isEmpty ? (challenge.errorDescription ?? "") : "token lacks \(missing.joined(separator: " "))"
                return (
                    say("API \(status) insufficient_scope" + (detail.isEmpty ? "" : ": \(detail)") + age),
                    .diagnosed(.missingScope)
                )
            }
            return (say("API \(status) \(error.rawValue)" + (challenge.errorDescription.map { ": \($0)" } ?? "") + age), cause)
        }
        let phrase = HTTPStatusText.reasonPhrase(status)
        return (say("API \(status)" + (phrase.isEmpty ? "" : " \(phrase)") + age), cause)
    }

    /// Why the token request failed: the error's class, or clock skew when a clock is off and
    /// the error itself names nothing more precise.
    private var fetchFailureCause: VerdictCause {
        let cause = lastError.map(VerdictCause.tokenRequest) ?? .tokenRequestRefused
        if case .diagnosed = cause { return cause }
        return skewedClocks.isEmpty ? cause : .diagnosed(.clockSkew)
    }

    /// `rate limited: next try in 38s`: a 429 waits for the budget's reset (or `Retry-After`).
    private func rateLimitedReason(now: Date) -> String {
        var reason = "rate limited"
        if let nextRetryAt, nextRetryAt > now { reason += ": next try " + TimeText.relative(nextRetryAt, now: now) }
        if let budget = tokenEndpointBudget { reason += " (" + budget.text(at: now) + ")" }
        return reason
    }

    private func fetchFailureReason(now: Date) -> String {
        if lastError?.isRateLimited == true, !retriesHalted { return rateLimitedReason(now: now) }
        var reason = lastError.map { "token request failed: \($0.reason)" } ?? "token request failed"
        if let skewed = skewedClocks.first { reason += "; cause: clock skew, \(skewed.summary)" }
        if retriesHalted {
            reason += "; retries stopped until a manual refresh"
        } else if let nextRetryAt, nextRetryAt > now {
            reason += "; next try " + TimeText.relative(nextRetryAt, now: now)
        }
        return reason
    }

    /// True when an answer is old news: obtained with a token no longer held, or older than
    /// twice the poll interval.
    public func isStale(_ response: ResourceResponse, at now: Date) -> Bool {
        if let serial = response.tokenSerial, serial != token?.serial { return true }
        return now.timeIntervalSince(response.at) > 2 * pollInterval.timeInterval
    }
}

extension ManagerSnapshot {
    /// Every client's state at `now`, in the order of `clients`: what a frame counts, orders
    /// and filters by. Each client is still copied out of the array to be judged (every field
    /// retained and released): at 10,000 clients that copy is most of the pass (perf), and
    /// neither the buffer nor a pointer to the element avoided it.
    public func healthStates(at now: Date) -> [HealthState] {
        clients.map { $0.healthState(at: now) }
    }
}

/// Whether a judgement writes its reasons and names its causes (`ClientSnapshot.healthState(at:)`
/// does neither): both are built only when they are said. Neither decides a state: a cause
/// picks the words and the next step, and a problem is a problem whatever its cause.
private struct Wording {
    let isOn: Bool

    func callAsFunction(_ text: @autoclosure () -> String) -> String {
        isOn ? text() : ""
    }

    /// The cause when it is said, else nil (finding it can mean reading the diagnoses).
    func names(_ cause: @autoclosure () -> VerdictCause) -> VerdictCause? {
        isOn ? cause() : nil
    }
}

/// The reason phrases of the statuses servers send to tokentop (RFC 9110 §15).
public enum HTTPStatusText {
    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return ""
        }
    }
}
