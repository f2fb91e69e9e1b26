import Foundation
import OAuthClient
import TokenConfig
import TokenModel

/// A token request under way: callers that want a token meanwhile wait for its answer
/// instead of sending another.
struct InFlightFetch {
    let reason: FetchReason
    var waiters: [CheckedContinuation<Result<IssuedToken, OAuthError>, Never>] = []
}

/// The manager's private record of one client.
struct ClientRuntime {
    let configuration: ClientConfiguration
    let service: any AuthorizationService
    /// Which runtime of this client name this is (see `TokenManager.reload`).
    let epoch: Int
    var token: IssuedToken?
    /// How many tokens this client has received; the held one's number.
    var tokenSerial = 0
    var refreshAt: Date?
    var verdict: SignatureVerdict?
    var lastError: OAuthError?
    var failureCount = 0
    var nextRetryAt: Date?
    var retriesHalted = false
    var revoked = false
    var inFlight: InFlightFetch?
    var introspection: IntrospectionResult?
    var introspectionError: OAuthError?
    var lastActionError: OAuthError?
    var responses: [ResourceResponse] = []
    var history: [FetchRecord] = []
    var actions: [ActionRecord] = []
    var pollingPaused = false
    /// Start-up spreading: the first automatic fetch waits until then.
    var firstFetchNotBefore: Date?
    /// What the client's servers have shown of their clocks and key set.
    var diagnostics = ServerDiagnostics()
    /// The reading from the held token's `iat` against its arrival.
    var issuedAtReading: ClockReading?

    init(registration: TokenManager.Registration, epoch: Int) {
        configuration = registration.configuration
        service = registration.service
        self.epoch = epoch
    }

    /// Whether this client needs a loop of this kind.
    func needsLoop(_ kind: LoopID.Kind) -> Bool {
        switch kind {
        case .scheduler: return true
        case .poller: return configuration.resourceURI != nil
        case .keyWatch: return service.watchesKeySet
        }
    }

    /// The held token if it has not expired.
    func usableToken(at now: Date) -> IssuedToken? {
        guard let token, !token.isExpired(at: now) else { return nil }
        return token
    }

    mutating func record(_ entry: FetchRecord) {
        history.append(entry)
        if history.count > configuration.historySize { history.removeFirst(history.count - configuration.historySize) }
    }

    mutating func record(_ action: ActionRecord) {
        actions.append(action)
        if actions.count > configuration.historySize { actions.removeFirst(actions.count - configuration.historySize) }
    }

    mutating func record(_ response: ResourceResponse) {
        responses.append(response)
        if responses.count > TokenManager.responseHistorySize {
            responses.removeFirst(responses.count - TokenManager.responseHistorySize)
        }
    }

    /// What the scheduler should do next: fetch now for a reason, or wait until a time (nil:
    /// until something wakes it).
    enum Plan: Equatable {
        case fetch(FetchReason)
        case wait(until: Date?)
    }

    func plan(at now: Date) -> Plan {
        if retriesHalted || revoked { return .wait(until: nil) }
        // Monitoring only: one token at startup, then only on a key press.
        if configuration.refreshMode == .manual && !history.isEmpty { return .wait(until: expiryWake(now)) }
        if let nextRetryAt {
            return nextRetryAt <= now ? .fetch(.retry) : .wait(until: earliest(nextRetryAt, expiryWake(now)))
        }
        if usableToken(at: now) != nil {
            guard let refreshAt else { return .wait(until: expiryWake(now)) }
            return refreshAt <= now ? .fetch(.scheduled) : .wait(until: earliest(refreshAt, expiryWake(now)))
        }
        if history.isEmpty, let firstFetchNotBefore, firstFetchNotBefore > now { return .wait(until: firstFetchNotBefore) }
        return .fetch(history.isEmpty ? .startup : .scheduled)
    }

    /// The expiry of the held token while it is in the future: the scheduler wakes then so
    /// that the verdict turns to expired on time.
    private func expiryWake(_ now: Date) -> Date? {
        token?.expiresAt.flatMap { $0 > now ? $0 : nil }
    }

    private func earliest(_ first: Date, _ second: Date?) -> Date {
        second.map { min(first, $0) } ?? first
    }

    func snapshot(now: Date) -> ClientSnapshot {
        let summary = token.map { token in
            TokenSummary(
                masked: token.masked, tokenType: token.tokenType, decoded: token.decoded, issuedAt: token.issuedAt,
                expiresAt: token.expiresAt, refreshAt: configuration.refreshMode == .manual ? nil : refreshAt,
                scopes: token.scopes,
                verdict: verdict
                    ?? (token.decoded.format == .opaque
                        ? SignatureVerdict(.unverified, "opaque token: it can only be introspected")
                        : SignatureVerdict(.checking, "checking signature…")),
                extraFields: token.extraFields, serial: tokenSerial, binding: token.binding)
        }
        var snapshot = ClientSnapshot(
            name: configuration.name, state: .noToken, token: summary, lastError: lastError, nextRetryAt: nextRetryAt,
            retriesHalted: retriesHalted, isFetching: inFlight != nil, introspection: introspection,
            lastActionError: lastActionError, responses: responses, history: history, pollingPaused: pollingPaused,
            refreshMode: configuration.refreshMode, configuredScopes: configuration.scopes,
            resourceURI: configuration.resourceURI.map { HTTPTransport.describe($0) },
            pollInterval: configuration.pollInterval, revoked: revoked, introspectionError: introspectionError,
            actions: actions, clockReadings: diagnostics.clockReadings + [issuedAtReading].compactMap { $0 },
            keySet: diagnostics.keySet)
        snapshot.state = snapshot.state(at: now)
        return snapshot
    }
}
