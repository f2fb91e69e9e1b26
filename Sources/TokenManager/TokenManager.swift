import Foundation
import Logging
import OAuthClient
import TokenConfig
import TokenModel

/// Owns every client's token: fetches, refreshes before expiry, backs off on failure, probes
/// the protected endpoint, and publishes immutable snapshots for front ends.
public actor TokenManager {
    /// One configured client and the service that talks to its servers.
    public struct Registration: Sendable {
        public var configuration: ClientConfiguration
        public var service: any AuthorizationService

        public init(configuration: ClientConfiguration, service: any AuthorizationService) {
            self.configuration = configuration
            self.service = service
        }
    }

    /// How many `resource-uri` answers each client keeps for display.
    public static let responseHistorySize = 60

    private var clients: [String: ClientRuntime] = [:]
    private let order: [String]
    private let clock: any TokenClock
    private let backoff: BackoffPolicy
    private let random: @Sendable () -> Double
    private let logger: Logger
    private var generation: UInt64 = 0
    private var subscribers: [UUID: AsyncStream<ManagerSnapshot>.Continuation] = [:]
    private var started = false

    /// - Parameters:
    ///   - random: numbers in 0...1 for refresh jitter and backoff; injected for exact tests.
    public init(
        registrations: [Registration], clock: any TokenClock = SystemClock(), backoff: BackoffPolicy = BackoffPolicy(),
        logger: Logger = Logger(label: "tokentop.manager"),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.order = registrations.map(\.configuration.name)
        self.clock = clock
        self.backoff = backoff
        self.random = random
        self.logger = logger
        for registration in registrations {
            clients[registration.configuration.name] = ClientRuntime(registration: registration)
        }
    }

    // MARK: Running

    /// Starts fetching tokens and probing resources for every client.
    public func start() {
        guard !started else { return }
        started = true
        for name in order {
            clients[name]?.scheduler = Task { await self.runScheduler(name) }
            if clients[name]?.configuration.resourceURI != nil {
                clients[name]?.poller = Task { await self.runPoller(name) }
            }
        }
    }

    /// Stops every background task. Snapshots stay readable.
    public func stop() {
        for name in order {
            clients[name]?.scheduler?.cancel()
            clients[name]?.poller?.cancel()
            clients[name]?.scheduler = nil
            clients[name]?.poller = nil
        }
        started = false
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }

    // MARK: Reading

    /// Every client as of now.
    public func snapshot() -> ManagerSnapshot {
        let now = clock.now()
        return ManagerSnapshot(
            generation: generation, takenAt: now, clients: order.compactMap { clients[$0]?.snapshot(now: now) })
    }

    /// A stream of snapshots: the current one at once, then one after every change.
    /// Slow readers see only the newest.
    public func updates() -> AsyncStream<ManagerSnapshot> {
        let (stream, continuation) = AsyncStream.makeStream(of: ManagerSnapshot.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        subscribers[id] = continuation
        continuation.yield(snapshot())
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        return stream
    }

    private func unsubscribe(_ id: UUID) {
        subscribers[id] = nil
    }

    /// The names of the configured clients, in configuration order.
    public var clientNames: [String] { order }

    /// A token that is valid now, fetching one when none is held. An expired token is never
    /// returned.
    public func validToken(for name: String) async throws(OAuthError) -> String {
        guard let runtime = clients[name] else { throw OAuthError.configuration("no client named \(name)") }
        if let token = runtime.token, !Self.isExpired(token, at: clock.now()) { return token.accessToken }
        return try await fetch(name, reason: .demand).accessToken
    }

    /// The token held now, if it is still valid; never fetches. For copying to the clipboard.
    public func heldToken(for name: String) -> String? {
        guard let token = clients[name]?.token, !Self.isExpired(token, at: clock.now()) else { return nil }
        return token.accessToken
    }

    // MARK: Acting

    /// Carries out a front end's request. Returns when it is done; front ends call it from a
    /// task of their own so input never waits for the network.
    public func perform(_ action: ClientAction) async {
        switch action {
        case .refresh(let name):
            await manualRefresh(name)
        case .refreshAll:
            await withTaskGroup(of: Void.self) { group in
                for name in order { group.addTask { await self.manualRefresh(name) } }
            }
        case .introspect(let name):
            await introspect(name)
        case .revoke(let name):
            await revoke(name)
        case .togglePolling(let name):
            clients[name]?.pollingPaused.toggle()
            publish()
        }
    }

    private func manualRefresh(_ name: String) async {
        guard clients[name] != nil else { return }
        clients[name]?.retriesHalted = false
        clients[name]?.revoked = false
        clients[name]?.failureCount = 0
        _ = try? await fetch(name, reason: .manual, force: true)
        reschedule(name)
    }

    private func introspect(_ name: String) async {
        guard let runtime = clients[name] else { return }
        guard let token = runtime.token else {
            clients[name]?.lastActionError = OAuthError.configuration("no token to introspect: press r to fetch one")
            publish()
            return
        }
        do {
            let result = try await runtime.service.introspect(token.accessToken)
            clients[name]?.introspection = result
            clients[name]?.lastActionError = nil
        } catch {
            clients[name]?.lastActionError = error
        }
        publish()
    }

    private func revoke(_ name: String) async {
        guard let runtime = clients[name], let token = runtime.token else { return }
        do {
            try await runtime.service.revoke(token.accessToken)
            // Dropped, and not fetched again until asked: the operator revoked it on purpose.
            if clients[name]?.token?.accessToken == token.accessToken {
                clients[name]?.token = nil
                clients[name]?.refreshAt = nil
                clients[name]?.verdict = nil
                clients[name]?.revoked = true
            }
            clients[name]?.introspection = nil
            clients[name]?.lastActionError = nil
            logger.info("\(name): token \(token.masked) revoked by the operator")
        } catch {
            clients[name]?.lastActionError = error
        }
        publish()
        reschedule(name)
    }

    // MARK: Fetching

    /// Fetches a token; concurrent callers for one client share one request.
    /// - Parameter force: fetch even when a request is already under way for another reason.
    @discardableResult
    private func fetch(_ name: String, reason: FetchReason, force: Bool = false) async throws(OAuthError) -> IssuedToken {
        guard let runtime = clients[name] else { throw OAuthError.configuration("no client named \(name)") }
        if let inFlight = runtime.inFlight, !force || inFlight.reason == .manual {
            return try await inFlight.task.value.get()
        }
        let service = runtime.service
        let task = Task { () -> Result<IssuedToken, OAuthError> in
            do throws(OAuthError) {
                return .success(try await service.requestToken())
            } catch {
                return .failure(error)
            }
        }
        let attempt = UUID()
        clients[name]?.inFlight = InFlightFetch(id: attempt, reason: reason, task: task)
        publish()

        let startedAt = clock.now()
        let started = ContinuousClock.now
        var result = await task.value
        let latency = ContinuousClock.now - started
        let current = clients[name]?.inFlight?.id == attempt
        if current { clients[name]?.inFlight = nil }
        if case .success(let token) = result, let expiresAt = token.expiresAt, expiresAt <= clock.now() {
            // Expired on arrival (a skewed clock, or exp in the past): a failure, under backoff,
            // never a token to hand out or a reason to fetch again at once.
            result = .failure(
                OAuthError.invalidResponse(
                    "the new token had already expired on arrival (exp \(expiresAt)); is a clock skewed?", endpoint: nil))
        }
        // A newer request (a manual refresh) that has already landed wins: this older answer
        // goes back to its callers without touching the client's state.
        let superseded = !current && (clients[name]?.token?.issuedAt ?? .distantPast) > startedAt
        if !superseded {
            switch result {
            case .success(let token):
                accept(token, for: name, reason: reason, startedAt: startedAt, latency: latency)
                Task { await self.verify(token, for: name) }
            case .failure(let error):
                reject(error, for: name, reason: reason, startedAt: startedAt, latency: latency)
            }
            publish()
        }
        return try result.get()
    }

    private func accept(_ token: IssuedToken, for name: String, reason: FetchReason, startedAt: Date, latency: Duration) {
        guard var runtime = clients[name] else { return }
        let changes = Self.claimChanges(from: runtime.token?.decoded.claims, to: token.decoded.claims)
        runtime.token = token
        runtime.verdict = nil
        runtime.refreshAt = RefreshPolicy(skew: runtime.configuration.refreshSkew).refreshAt(
            issuedAt: token.issuedAt, expiresAt: token.expiresAt, refreshIn: token.refreshIn, jitter: random())
        runtime.lastError = nil
        runtime.failureCount = 0
        runtime.nextRetryAt = nil
        runtime.retriesHalted = false
        runtime.revoked = false
        runtime.introspection = nil
        runtime.record(
            FetchRecord(
                reason: reason, startedAt: startedAt, latency: latency, error: nil, claimChanges: changes,
                expiresAt: token.expiresAt))
        clients[name] = runtime
        logger.info("\(name): new token \(token.masked) (\(reason.rawValue))")
        if runtime.pollerAwaitsToken { restartPoller(name) }
        // Whatever fetched it (a retry after 401, a caller's demand), its refresh is scheduled.
        if reason != .scheduled && reason != .startup && reason != .retry { reschedule(name) }
    }

    private func reject(_ error: OAuthError, for name: String, reason: FetchReason, startedAt: Date, latency: Duration) {
        guard var runtime = clients[name] else { return }
        runtime.lastError = error
        runtime.failureCount += 1
        if error.needsOperator {
            runtime.retriesHalted = true
            runtime.nextRetryAt = nil
        } else {
            let wait = backoff.delay(attempt: runtime.failureCount, retryAfter: error.retryAfter, random: random())
            runtime.nextRetryAt = clock.now().addingTimeInterval(wait.timeInterval)
        }
        runtime.record(
            FetchRecord(reason: reason, startedAt: startedAt, latency: latency, error: error, claimChanges: [], expiresAt: nil))
        clients[name] = runtime
        logger.warning("\(name): token request failed (\(reason.rawValue)): \(error.description)")
    }

    private func verify(_ token: IssuedToken, for name: String) async {
        guard let service = clients[name]?.service else { return }
        let verdict = await service.verify(token.accessToken)
        guard clients[name]?.token?.accessToken == token.accessToken else { return }
        clients[name]?.verdict = verdict
        publish()
    }

    // MARK: Scheduling

    /// Restarts a client's scheduler so it sees a changed state at once.
    private func reschedule(_ name: String) {
        guard started, clients[name] != nil else { return }
        clients[name]?.scheduler?.cancel()
        clients[name]?.scheduler = Task { await self.runScheduler(name) }
    }

    /// Fetches at startup, then before each token's refresh point, retrying failures under
    /// backoff, until cancelled.
    private func runScheduler(_ name: String) async {
        var reason: FetchReason = clients[name]?.history.isEmpty == true ? .startup : .scheduled
        while !Task.isCancelled {
            guard let runtime = clients[name] else { return }
            let now = clock.now()
            let due: Date?
            if runtime.retriesHalted || runtime.revoked {
                due = nil
            } else if runtime.configuration.refreshMode == .manual && !runtime.history.isEmpty {
                // Monitoring only: one token at startup, then only on a key press.
                due = nil
            } else if let nextRetryAt = runtime.nextRetryAt {
                due = nextRetryAt
                reason = .retry
            } else if let token = runtime.token, !Self.isExpired(token, at: now) {
                due = runtime.refreshAt
                if reason != .retry { reason = .scheduled }
            } else {
                due = now
            }
            guard let due else { return }  // nothing to do until an action reschedules
            if due > now {
                do { try await clock.sleep(until: due) } catch { return }
                // Expiry may have passed while asleep: publish the new state.
                publish()
                if clock.now() < due { continue }  // woken early: look again
            }
            guard !Task.isCancelled else { return }
            _ = try? await fetch(name, reason: reason)
            reason = .scheduled
        }
    }

    /// Calls `resource-uri` every `poll-interval` with the held token; a 401
    /// `invalid_token` forces one refresh and one retry.
    private func runPoller(_ name: String) async {
        while !Task.isCancelled {
            guard let runtime = clients[name] else { return }
            let usable = runtime.token.flatMap { Self.isExpired($0, at: clock.now()) ? nil : $0 }
            if !runtime.pollingPaused, let token = usable {
                await probe(name, with: token)
            }
            // Without a token there is nothing to send: wait, and a new token restarts the poller.
            clients[name]?.pollerAwaitsToken = usable == nil
            let wait = runtime.configuration.pollInterval.timeInterval
            do { try await clock.sleep(until: clock.now().addingTimeInterval(wait)) } catch { return }
        }
    }

    private func restartPoller(_ name: String) {
        guard started, clients[name]?.poller != nil else { return }
        clients[name]?.poller?.cancel()
        clients[name]?.pollerAwaitsToken = false
        clients[name]?.poller = Task { await self.runPoller(name) }
    }

    private func probe(_ name: String, with token: IssuedToken) async {
        guard let service = clients[name]?.service, var response = await service.callResource(token.accessToken) else {
            return
        }
        if response.status == 401, response.wwwAuthenticate?.contains("invalid_token") == true {
            record(response, for: name)
            if let fresh = await tokenForRetry(name, rejected: token),
                var retried = await service.callResource(fresh.accessToken)
            {
                retried.wasRetry = true
                response = retried
            } else {
                publish()
                return
            }
        }
        record(response, for: name)
        publish()
    }

    /// The token to retry with after a 401 `invalid_token`: the held one if it changed while
    /// the call was under way, else one refresh, unless retries are halted or backing off
    /// (so a resource that rejects every token cannot drive a fetch on every poll).
    private func tokenForRetry(_ name: String, rejected: IssuedToken) async -> IssuedToken? {
        guard let runtime = clients[name] else { return nil }
        if let held = runtime.token, held.accessToken != rejected.accessToken, !Self.isExpired(held, at: clock.now()) {
            return held
        }
        if runtime.retriesHalted || (runtime.nextRetryAt.map { $0 > clock.now() } ?? false) { return nil }
        return try? await fetch(name, reason: .retryAfter401)
    }

    private func record(_ response: ResourceResponse, for name: String) {
        clients[name]?.responses.append(response)
        if let count = clients[name]?.responses.count, count > Self.responseHistorySize {
            clients[name]?.responses.removeFirst(count - Self.responseHistorySize)
        }
    }

    // MARK: Publishing

    private func publish() {
        generation &+= 1
        guard !subscribers.isEmpty else { return }
        let snapshot = snapshot()
        for continuation in subscribers.values { continuation.yield(snapshot) }
    }

    private static func isExpired(_ token: IssuedToken, at now: Date) -> Bool {
        token.expiresAt.map { $0 <= now } ?? false
    }

    /// Claims that differ between two tokens, as `+name`, `-name`, `~name`; claims that
    /// change on every token are left out.
    static func claimChanges(from old: [String: JSONValue]?, to new: [String: JSONValue]) -> [String] {
        guard let old else { return [] }
        let volatile: Set = ["exp", "iat", "nbf", "jti", "auth_time", "uti", "rh"]
        var changes: [String] = []
        for key in Set(old.keys).union(new.keys).subtracting(volatile).sorted() {
            switch (old[key], new[key]) {
            case (nil, .some): changes.append("+\(key)")
            case (.some, nil): changes.append("-\(key)")
            case (.some(let before), .some(let after)) where before != after: changes.append("~\(key)")
            default: break
            }
        }
        return changes
    }
}

/// A token request under way, shared by every caller that wants a token meanwhile.
struct InFlightFetch: Sendable {
    let id: UUID
    let reason: FetchReason
    let task: Task<Result<IssuedToken, OAuthError>, Never>
}

/// The manager's private record of one client.
struct ClientRuntime {
    let configuration: ClientConfiguration
    let service: any AuthorizationService
    var token: IssuedToken?
    var refreshAt: Date?
    var verdict: SignatureVerdict?
    var lastError: OAuthError?
    var failureCount = 0
    var nextRetryAt: Date?
    var retriesHalted = false
    var revoked = false
    var inFlight: InFlightFetch?
    var introspection: IntrospectionResult?
    var lastActionError: OAuthError?
    var responses: [ResourceResponse] = []
    var history: [FetchRecord] = []
    var pollingPaused = false
    /// The poller found no usable token and sleeps; a new token should wake it at once.
    var pollerAwaitsToken = false
    var scheduler: Task<Void, Never>?
    var poller: Task<Void, Never>?

    init(registration: TokenManager.Registration) {
        configuration = registration.configuration
        service = registration.service
    }

    mutating func record(_ entry: FetchRecord) {
        history.append(entry)
        if history.count > configuration.historySize { history.removeFirst(history.count - configuration.historySize) }
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
                        : SignatureVerdict(.unverified, "checking signature…")),
                extraFields: token.extraFields)
        }
        var snapshot = ClientSnapshot(
            name: configuration.name, state: .noToken, token: summary, lastError: lastError, nextRetryAt: nextRetryAt,
            retriesHalted: retriesHalted, isFetching: inFlight != nil, introspection: introspection,
            lastActionError: lastActionError, responses: responses, history: history, pollingPaused: pollingPaused,
            refreshMode: configuration.refreshMode, configuredScopes: configuration.scopes,
            resourceURI: configuration.resourceURI.map { HTTPTransport.describe($0) })
        snapshot.state = snapshot.state(at: now)
        return snapshot
    }
}
