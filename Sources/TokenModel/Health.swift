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

/// The verdict on one client with the one-line reason shown beside it.
public struct HealthVerdict: Sendable, Equatable {
    public var state: HealthState
    public var reason: String

    public init(_ state: HealthState, _ reason: String) {
        self.state = state
        self.reason = reason
    }
}

extension ClientSnapshot {
    /// The verdict at `now`, from everything known about the client: token state, the last
    /// fetch, the signature verdict, introspection, and the last answer of `resource-uri`.
    public func health(at now: Date) -> HealthVerdict {
        verdict(at: now, words: true)
    }

    /// The verdict's state alone, as `health(at:).state` says it, without the words: what a
    /// frame needs of every client (the header's counts, the sort, the filter), where the
    /// reason is drawn for the visible rows only. The same code decides both.
    public func healthState(at now: Date) -> HealthState {
        verdict(at: now, words: false).state
    }

    /// The one derivation of the verdict. Without `words`, every reason is left empty (and not
    /// built), and only the state is meant: no branch depends on a reason's text.
    private func verdict(at now: Date, words: Bool) -> HealthVerdict {
        func say(_ state: HealthState, _ reason: @autoclosure () -> String) -> HealthVerdict {
            HealthVerdict(state, words ? reason() : "")
        }
        if let instanceFailure { return HealthVerdict(.error, instanceFailure) }
        switch state(at: now) {
        case .error:
            return say(.error, fetchFailureReason(now: now))
        case .fetching:
            // Fetching after a failure is still a failure until a token arrives.
            if lastError != nil { return say(.error, fetchFailureReason(now: now) + "; retrying now") }
            return say(.pending, "fetching a token")
        case .expired:
            return say(.expired, {
                let ago = token?.expiresAt.map { " " + TimeText.relative($0, now: now) } ?? ""
                let mode = refreshMode == .manual ? " (refresh: manual)" : ""
                return "token expired\(ago) and no new one was fetched\(mode)"
            }())
        case .noToken:
            if revoked { return say(.error, "token revoked by the operator; no new one until a manual refresh") }
            return say(.pending, refreshMode == .manual ? "no token yet (refresh: manual)" : "no token yet")
        case .valid, .refreshDue:
            return heldTokenHealth(now: now, words: words)
        }
    }

    private func heldTokenHealth(now: Date, words: Bool) -> HealthVerdict {
        func say(_ state: HealthState, _ reason: @autoclosure () -> String) -> HealthVerdict {
            HealthVerdict(state, words ? reason() : "")
        }
        guard let token else { return say(.pending, "no token yet") }
        // Without words a problem is counted, not written: the state needs only whether there is one.
        var problems: [String] = []
        var problemCount = 0
        func problem(_ text: @autoclosure () -> String) {
            problemCount += 1
            if words { problems.append(text()) }
        }
        if token.verdict.status == .failed {
            // A rotated key and a skewed clock spoil this token, not the client: a new token is
            // on its way (key rotation), or the token still works where clocks agree.
            if token.verdict.failure == .keyNotPublished || unpublishedSigningKey != nil {
                problem({
                    let key = unpublishedSigningKey.map { "key \"\($0)\"" } ?? "a key"
                    let next = isFetching ? "fetching a new token"
                        : retriesHalted ? "no new token until the credentials are fixed" : "a new token will be fetched"
                    return "key rotation: signed by \(key), which the issuer does not publish; \(next)"
                }())
            } else if token.verdict.failure == .timeClaims, let skewed = skewedClocks.first {
                problem("clock skew: \(skewed.summary); locally the token is \(token.verdict.reason)")
            } else {
                return say(.error, "signature: \(token.verdict.reason)" + (skewedClocks.first.map { "; cause: clock skew, \($0.summary)" } ?? ""))
            }
        }
        if let introspection, !introspection.active, introspection.checkedAt >= token.issuedAt {
            return say(.error, "introspection: the server says the token is not active (revoked?)")
        }
        let introspected = introspection.flatMap { $0.checkedAt >= token.issuedAt ? $0.fields : nil }
        if let mismatch = token.binding.mismatch(introspected: introspected) {
            return say(.error, mismatch)
        }
        func remaining() -> String? {
            token.expiresAt.map { "valid " + TimeText.duration(seconds: max(0, TimeText.secondsUntil($0, now: now))) }
        }
        if token.binding.dpopIgnored { problem(TokenBinding.dpopIgnoredReason) }
        if let lastError {
            problem("refresh failing (\(lastError.code))" + (remaining().map { " — current token \($0)" } ?? ""))
        }
        if resourceURI != nil, let response = lastResponse, let text = apiProblem(response, now: now, words: words) {
            problem(text)
        }
        if token.verdict.status != .failed, let kid = retiredSigningKey {
            problem("signed by key \"\(kid)\", which the issuer no longer publishes")
        }
        if let skewed = skewedClocks.first, !problems.contains(where: { $0.hasPrefix("clock skew") }) {
            problem("clock skew: \(skewed.summary)")
        }
        if token.decoded.format == .jwt, token.verdict.status == .unverified {
            problem("signature not checked: \(token.verdict.reason)")
        }
        if let introspectionError, introspectionError.kind != .configuration, token.decoded.format == .opaque {
            problem("introspection failed: \(introspectionError.reason)")
        }
        if problemCount > 0 { return say(.degraded, problems.joined(separator: "; ")) }
        if token.verdict.status == .checking {
            return say(.pending, "checking the signature: \(token.verdict.reason(at: now))")
        }
        if resourceURI != nil, lastResponse == nil, !pollingPaused {
            return say(.pending, "waiting for the first API answer")
        }
        return say(.ok, {
            var parts = [remaining() ?? "token held (lifetime unknown)"]
            switch token.verdict.status {
            case .verified: parts.append("signature verified")
            case .notChecked:
                parts.append("signature not checked (no key set configured)")
                if currentIntrospection?.active == true { parts.append("introspection: active") }
            default: break
            }
            if let response = lastResponse, let status = response.status, resourceURI != nil { parts.append("API \(status)") }
            return parts.joined(separator: ", ")
        }())
    }

    /// What is wrong with the API's answer, in a few words (empty without `words`); nil for a 2xx.
    private func apiProblem(_ response: ResourceResponse, now: Date, words: Bool) -> String? {
        guard response.failure != nil || (response.status != nil && !response.isSuccess) else { return nil }
        guard words else { return "" }
        let age = isStale(response, at: now) ? " (" + TimeText.relative(response.at, now: now) + ")" : ""
        if let failure = response.failure {
            switch failure.kind {
            case .timeout: return "API timeout: \(failure.reason)\(age)"
            case .redirectRefused: return "API redirect refused\(age)"
            default: return "API unreachable: \(failure.reason)\(age)"
            }
        }
        guard let status = response.status, !response.isSuccess else { return nil }
        if let challenge = response.challengeError, let error = challenge.error {
            if error == .insufficientScope {
                let held = Set(token?.scopes ?? [])
                let missing = challenge.scope.filter { !held.contains($0) }
                let detail = missing.isEmpty ? (challenge.errorDescription ?? "") : "token lacks \(missing.joined(separator: " "))"
                return "API \(status) insufficient_scope" + (detail.isEmpty ? "" : ": \(detail)") + age
            }
            return "API \(status) \(error.rawValue)" + (challenge.errorDescription.map { ": \($0)" } ?? "") + age
        }
        let phrase = HTTPStatusText.reasonPhrase(status)
        return "API \(status)" + (phrase.isEmpty ? "" : " \(phrase)") + age
    }

    private func fetchFailureReason(now: Date) -> String {
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
