import Foundation

/// Where a client's token stands. The order is the order of attention: a front end sorting
/// by status shows the worst first.
public enum TokenState: String, Sendable, Equatable, CaseIterable, Codable {
    /// The last fetch failed and no usable token is held.
    case error
    /// The token has expired (or no token could be kept); it is never handed out.
    case expired
    /// A token request is under way and no usable token is held.
    case fetching
    /// A token is held but its refresh point has passed.
    case refreshDue = "refresh_due"
    /// No token yet, and none being fetched (manual refresh mode, before the first key press).
    case noToken = "no_token"
    /// A token is held and is not yet due for refresh.
    case valid
}

/// Why a token was fetched, as recorded in the history.
public enum FetchReason: String, Sendable, Equatable, Codable {
    case startup
    case scheduled
    case manual
    /// The protected endpoint answered 401 `invalid_token`.
    case retryAfter401 = "retry_after_401"
    /// A retry after a failed fetch, under backoff.
    case retry
    /// A caller asked for a token and none was held (`tokentop token`, `check`).
    case demand
    /// The held token failed verification in a way a new token may mend: its key left the key
    /// set (a rotation), its signature or its times do not hold here.
    case verificationFailed = "verification_failed"

    /// The reason in words, for History and logs.
    public var words: String {
        switch self {
        case .startup: return "startup"
        case .scheduled: return "scheduled"
        case .manual: return "manual"
        case .retryAfter401: return "retry after 401"
        case .retry: return "retry"
        case .demand: return "on demand"
        case .verificationFailed: return "held token failed verification"
        }
    }
}

/// What the operator asked for and how it ended: shown in the footer, kept in History.
public struct ActionRecord: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Equatable, Codable {
        case refresh, introspect, revoke, pause, resume
        /// The three-way check: the local verdict, introspection and a live API call, compared.
        case diagnose
        /// The configuration was read again.
        case reload
    }

    public var action: Action
    public var client: String
    @UnixTime public var at: Date
    public var succeeded: Bool
    /// What happened, in a line: `new token eyJh…GA, expires in 59m`, `invalid_client: …`.
    public var outcome: String

    public init(action: Action, client: String, at: Date, succeeded: Bool, outcome: String) {
        self.action = action
        self.client = client
        self.at = at
        self.succeeded = succeeded
        self.outcome = outcome
    }

    /// One line for a status bar: `refresh mod-client: new token eyJh…GA, expires in 59m`.
    public var footerText: String {
        "\(action.rawValue) \(client): " + (succeeded ? "" : "failed: ") + TerminalText.sanitize(outcome)
    }
}

/// One token fetch in a client's history.
public struct FetchRecord: Sendable, Equatable, Codable {
    public var reason: FetchReason
    @UnixTime public var startedAt: Date
    @Nanoseconds public var latency: Duration
    /// nil on success.
    public var error: OAuthError?
    /// On success: claims added, removed or changed against the previous token
    /// (`+scp`, `-foo`, `~kid`); timestamps that change on every token are left out.
    public var claimChanges: [String]
    /// The new token's expiry, on success.
    @Optionally<UnixTime> public var expiresAt: Date?
    /// True when the token endpoint asked for a DPoP nonce (`use_dpop_nonce`) and the request
    /// was sent once more with it.
    public var nonceRetried: Bool

    enum CodingKeys: String, CodingKey {
        case reason, error
        case startedAt = "started_at"
        case latency = "latency_ns"
        case claimChanges = "claim_changes"
        case expiresAt = "expires_at"
        case nonceRetried = "nonce_retried"
    }

    public init(
        reason: FetchReason, startedAt: Date, latency: Duration, error: OAuthError?, claimChanges: [String],
        expiresAt: Date?, nonceRetried: Bool = false
    ) {
        self.nonceRetried = nonceRetried
        self.reason = reason
        self.startedAt = startedAt
        self.latency = latency
        self.error = error
        self.claimChanges = claimChanges
        self.expiresAt = expiresAt
    }

    public var succeeded: Bool { error == nil }
}

/// What a front end may know of a held token: never the token itself, only its masked form.
public struct TokenSummary: Sendable, Equatable, Codable {
    /// `eyJr…9Q`.
    public var masked: String
    public var tokenType: String
    public var decoded: DecodedToken
    @UnixTime public var issuedAt: Date
    @Optionally<UnixTime> public var expiresAt: Date?
    /// When the manager will refresh it (nil in manual mode or with an unknown lifetime).
    @Optionally<UnixTime> public var refreshAt: Date?
    /// Granted scopes.
    public var scopes: [String]
    public var verdict: SignatureVerdict
    /// Extra fields of the token response.
    public var extraFields: [String: JSONValue]
    /// 1 for the client's first token, 2 for the next: tells answers obtained with this token
    /// from older ones.
    @Bounded<CountRange> public var serial: Int
    /// How the token is bound to this client (DPoP key, certificate) and whether its `cnf` agrees.
    public var binding: TokenBinding

    enum CodingKeys: String, CodingKey {
        case masked, decoded, scopes, verdict, serial, binding
        case tokenType = "token_type"
        case issuedAt = "issued_at"
        case expiresAt = "expires_at"
        case refreshAt = "refresh_at"
        case extraFields = "extra_fields"
    }

    public init(
        masked: String, tokenType: String, decoded: DecodedToken, issuedAt: Date, expiresAt: Date?, refreshAt: Date?,
        scopes: [String], verdict: SignatureVerdict, extraFields: [String: JSONValue], serial: Int = 1,
        binding: TokenBinding = TokenBinding(method: .bearer)
    ) {
        self.binding = binding
        self.masked = masked
        self.tokenType = tokenType
        self.decoded = decoded
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.refreshAt = refreshAt
        self.scopes = scopes
        self.verdict = verdict
        self.extraFields = extraFields
        self.serial = serial
    }

    /// The whole lifetime, when known.
    public var lifetime: TimeInterval? { expiresAt.map { $0.timeIntervalSince(issuedAt) } }
}

/// An immutable picture of one client, published by the manager for front ends to draw.
public struct ClientSnapshot: Sendable, Equatable, Identifiable, Codable {
    public var name: String
    public var id: String { name }
    /// The state as of `ManagerSnapshot.takenAt`; front ends recompute it for the current
    /// instant with `state(at:)` so countdowns cross thresholds without a new snapshot.
    public var state: TokenState
    public var token: TokenSummary?
    /// The last fetch error, kept until a fetch succeeds.
    public var lastError: OAuthError?
    /// When the next automatic retry is due, while backing off.
    @Optionally<UnixTime> public var nextRetryAt: Date?
    /// True when `invalid_client`/`unauthorized_client` stopped automatic retries.
    public var retriesHalted: Bool
    /// True while a token request is under way.
    public var isFetching: Bool
    public var introspection: IntrospectionResult?
    /// The last introspection or revocation failure.
    public var lastActionError: OAuthError?
    /// The most recent calls of `resource-uri`, oldest first.
    public var responses: [ResourceResponse]
    /// Token fetches, oldest first, bounded by `history-size`.
    public var history: [FetchRecord]
    public var pollingPaused: Bool
    public var refreshMode: RefreshMode
    /// Requested scopes, from the configuration.
    public var configuredScopes: [String]
    /// `resource-uri`, for display.
    public var resourceURI: String?
    /// How often `resource-uri` is called.
    @Nanoseconds public var pollInterval: Duration
    /// True when the operator revoked the token and no new one was fetched since.
    public var revoked: Bool
    /// The last introspection failure for the held token.
    public var introspectionError: OAuthError?
    /// Operator actions and their outcomes, oldest first, bounded like `history`.
    public var actions: [ActionRecord]
    /// The newest reading of each server's clock (Date headers, the token's `iat`).
    public var clockReadings: [ClockReading]
    /// The issuer's key set as watched, once it has been fetched.
    public var keySet: KeySetStatus?
    /// The token endpoint's rate-limit budget, shared by every client of the issuer: the newest
    /// answer to any of them (`TokenManager` keeps one per issuer and endpoint).
    public var tokenEndpointBudget: RateLimitBudget?
    /// Set on the row an attached dashboard shows for a `serve` instance it cannot read: why, as
    /// the row's verdict says it (the row is the instance, not a client whose token request failed).
    /// Made by the dashboard from its own polling, so never on the wire.
    public var instanceFailure: String?
    /// Every credential behind the token that has an end (certificates, a secret's end date, a
    /// federated assertion's `exp`), as last read.
    public var credentials: [CredentialExpiry]
    /// `credential-warning`: how long before a credential's end the client is degraded.
    @Nanoseconds public var credentialWarning: Duration
    /// The authorization server the client asks (its `issuer-uri`, else its `token-uri`), for
    /// display: the dashboard groups clients by it.
    public var issuer: String?
    /// On an attached dashboard, the `serve` instance (`host:port`) the client lives on; its
    /// `name` is then `host:port/name`. Made by the dashboard from its own polling, so never on the wire.
    public var instance: String?
    /// On an attached dashboard, true when the client's instance said it takes no actions
    /// (`serve` without `--allow-actions`), so refresh and revoke are refused before they are sent.
    public var instanceIsReadOnly: Bool = false

    /// The wire names, for `serve` and `--attach`; `instanceFailure`, `instance` and
    /// `instanceIsReadOnly` are the attached dashboard's own and never travel.
    enum CodingKeys: String, CodingKey {
        case name, state, token, revoked, responses, history, actions, introspection, credentials, issuer
        case lastError = "last_error"
        case nextRetryAt = "next_retry_at"
        case retriesHalted = "retries_halted"
        case isFetching = "is_fetching"
        case lastActionError = "last_action_error"
        case pollingPaused = "polling_paused"
        case refreshMode = "refresh_mode"
        case configuredScopes = "configured_scopes"
        case resourceURI = "resource_uri"
        case pollInterval = "poll_interval_ns"
        case introspectionError = "introspection_error"
        case clockReadings = "clock_readings"
        case keySet = "key_set"
        case tokenEndpointBudget = "token_endpoint_budget"
        case credentialWarning = "credential_warning_ns"
    }

    public init(
        name: String, state: TokenState, token: TokenSummary? = nil, lastError: OAuthError? = nil,
        nextRetryAt: Date? = nil, retriesHalted: Bool = false, isFetching: Bool = false,
        introspection: IntrospectionResult? = nil, lastActionError: OAuthError? = nil,
        responses: [ResourceResponse] = [], history: [FetchRecord] = [], pollingPaused: Bool = false,
        refreshMode: RefreshMode = .automatic, configuredScopes: [String] = [], resourceURI: String? = nil,
        pollInterval: Duration = .seconds(10), revoked: Bool = false, introspectionError: OAuthError? = nil,
        actions: [ActionRecord] = [], clockReadings: [ClockReading] = [], keySet: KeySetStatus? = nil,
        instanceFailure: String? = nil, credentials: [CredentialExpiry] = [],
        credentialWarning: Duration = CredentialExpiry.standardWarning,
        issuer: String? = nil, instance: String? = nil, instanceIsReadOnly: Bool = false
    ) {
        self.credentials = credentials
        self.credentialWarning = credentialWarning
        self.name = name
        self.state = state
        self.token = token
        self.lastError = lastError
        self.nextRetryAt = nextRetryAt
        self.retriesHalted = retriesHalted
        self.isFetching = isFetching
        self.introspection = introspection
        self.lastActionError = lastActionError
        self.responses = responses
        self.history = history
        self.pollingPaused = pollingPaused
        self.refreshMode = refreshMode
        self.configuredScopes = configuredScopes
        self.resourceURI = resourceURI
        self.pollInterval = pollInterval
        self.revoked = revoked
        self.introspectionError = introspectionError
        self.actions = actions
        self.clockReadings = clockReadings
        self.keySet = keySet
        self.instanceFailure = instanceFailure
        self.issuer = issuer
        self.instance = instance
        self.instanceIsReadOnly = instanceIsReadOnly
    }

    /// The state at `now`, from the held token's times: a snapshot taken a second ago is
    /// still drawn correctly as its token crosses the refresh point or expires.
    public func state(at now: Date) -> TokenState {
        guard let token else {
            if isFetching { return .fetching }
            return lastError != nil ? .error : state
        }
        if let expiresAt = token.expiresAt, expiresAt <= now {
            if isFetching { return .fetching }
            return lastError != nil ? .error : .expired
        }
        if let refreshAt = token.refreshAt, refreshAt <= now { return .refreshDue }
        return .valid
    }

    /// The last answer from `resource-uri`.
    public var lastResponse: ResourceResponse? { responses.last }
}

/// Every client at one instant.
public struct ManagerSnapshot: Sendable, Equatable {
    /// Increases with every change, so a front end can skip work when nothing changed.
    public var generation: UInt64
    public var takenAt: Date
    public var clients: [ClientSnapshot]
    /// The latest events, oldest first: the event log's view of what happened (bounded by the
    /// manager, `TokenManager.recentEventLimit`). An API answer is kept when it differs from
    /// the client's previous one, so routine polls do not push out what happened.
    public var recentEvents: [ManagerEvent]

    public init(generation: UInt64, takenAt: Date, clients: [ClientSnapshot], recentEvents: [ManagerEvent] = []) {
        self.generation = generation
        self.takenAt = takenAt
        self.clients = clients
        self.recentEvents = recentEvents
    }
}

/// What a front end may ask of the manager.
public enum ClientAction: Sendable, Equatable {
    /// Fetch a new token now, even if the held one is valid; also lifts a retry halt.
    case refresh(client: String)
    case refreshAll
    case introspect(client: String)
    /// Revoke the held token at the server and drop it.
    case revoke(client: String)
    /// Pause or resume calling `resource-uri`.
    case togglePolling(client: String)
    /// The three-way check of the held token: introspect it, call the API with it, look at the
    /// key set again; the snapshot's `diagnoses(at:)` then names any disagreement.
    case diagnose(client: String)
    /// Read the configuration again (`L`). Carried out by the front end's host, which knows
    /// where the configuration came from; the manager itself only answers that it cannot.
    case reloadConfiguration
}

/// Whether tokens are refreshed on schedule or only on a key press.
public enum RefreshMode: String, Sendable, Equatable, CaseIterable, Codable {
    case automatic = "auto"
    case manual
}
