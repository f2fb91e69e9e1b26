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

/// The manager's private record of one client: the facts gathered, never a verdict drawn from
/// them (those are derived when a snapshot is taken: `ClientSnapshot.health(at:)`), except the
/// signature verdict, which is stamped with the key-set revision it was drawn from and drawn
/// again whenever that revision moves.
struct ClientRuntime {
    let configuration: ClientConfiguration
    let service: any AuthorizationService
    /// Which runtime of this client name this is (see `TokenManager.reload`).
    let epoch: Int
    var token: IssuedToken?
    /// How many tokens this client has received; the held one's number.
    var tokenSerial = 0
    var refreshAt: Date?
    /// The held token's verdict, and the key-set revision it is at least as new as.
    var verdict: SignatureVerdict?
    var verdictKeySetRevision = 0
    /// When to replace a held token that failed verification in a way a new one may mend,
    /// and how many replacements were fetched since a token last verified.
    var replaceTokenAt: Date?
    var replacementAttempts = 0
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
    /// When the key set was last looked at by the plan, and when the operator asked for a
    /// refetch the floor did not allow yet (`d`).
    var lastKeySetLook: Date?
    var keySetRefetchRequestedFor: Date?

    /// The resource and issuer as snapshots show them, described once: they change only with
    /// the configuration, which makes a new runtime.
    private let shownResourceURI: String?
    private let shownIssuer: String?

    init(registration: TokenManager.Registration, epoch: Int) {
        configuration = registration.configuration
        service = registration.service
        self.epoch = epoch
        shownResourceURI = configuration.resourceURI.map { URLText.describe($0) }
        shownIssuer = (configuration.issuerURI ?? configuration.tokenURI).map { URLText.describe($0) }
    }

    /// Whether this client needs a poller besides its scheduler.
    var needsPoller: Bool { configuration.resourceURI != nil }

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

    /// - Parameter budget: the token endpoint's budget shared by the issuer's clients (`TokenManager.rateLimits`).
    func snapshot(now: Date, budget: RateLimitBudget?) -> ClientSnapshot {
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
            resourceURI: shownResourceURI,
            pollInterval: configuration.pollInterval, revoked: revoked, introspectionError: introspectionError,
            actions: actions, clockReadings: diagnostics.clockReadings + [issuedAtReading].compactMap { $0 },
            keySet: diagnostics.keySet, credentials: diagnostics.credentials,
            credentialWarning: configuration.credentialWarning,
            issuer: shownIssuer)
        snapshot.state = snapshot.state(at: now)
        snapshot.tokenEndpointBudget = budget
        return snapshot
    }
}
