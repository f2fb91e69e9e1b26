import Foundation
import Logging
import OAuthClient
import ServiceLifecycle
import TokenConfig
import TokenModel

/// Owns every client's token: fetches, refreshes before expiry, backs off on failure, probes
/// the protected endpoint, and publishes immutable snapshots and events for front ends.
///
/// A ServiceLifecycle `Service`: `run()` drives one scheduler loop (and one resource poller)
/// per client as child tasks of one task group, until cancelled or shut down gracefully.
/// Operator actions (`perform`) and demands (`validToken`) run in their caller's task and share
/// the same code; concurrent fetches for one client share one request.
public actor TokenManager: Service {
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
    /// How many events the snapshot's event log keeps.
    public static let recentEventLimit = 1_000

    private var clients: [String: ClientRuntime] = [:]
    private var order: [String]
    /// Numbers each client's runtime, so the loops and requests of a client replaced by a
    /// reload know they are stale.
    private var nextEpoch = 0
    /// Loops started after `run()` began (by a reload), handed to its task group.
    private let loopStarts = AsyncStream<LoopID>.makeStream()
    private let clock: any TokenClock
    private let backoff: BackoffPolicy
    private let random: @Sendable () -> Double
    private let logger: Logger
    private var generation: UInt64 = 0
    private let snapshotFeed = Broadcast<ManagerSnapshot>(policy: .bufferingNewest(1))
    /// Unbounded: every reader (the metrics' counters, `--events-file`, `check`) needs every
    /// event, and a start-up of 10,000 clients makes 40,000 in seconds, faster than a scrape-busy
    /// exporter reads them. Readers catch up after the burst; in steady state the queue is empty.
    private let eventFeed = Broadcast<ManagerEvent>(policy: .unbounded)
    private var lastHealth: [String: HealthVerdict] = [:]
    private var recentEvents = EventRing(capacity: recentEventLimit)
    /// Per client, the last API answer the event log kept: a poll that answers as the one
    /// before is left out of the log (not of the feed), so a thousand polls do not push out
    /// what happened.
    private var lastLoggedAnswer: [String: String] = [:]
    /// Per client, the servers whose clocks are already reported as skewed (one event each).
    private var skewedServers: [String: Set<String>] = [:]
    /// Signalled on every change while running; the publisher loop answers with a snapshot.
    private let snapshotsWanted = WakeSignal()
    /// Signalled when a loop waits for an earlier time than the alarm sleeps until.
    private let alarmChanged = WakeSignal()
    private var alarmTarget: Date?

    // What `settled()` watches: every loop's state, and operations under way outside them.
    private var loops: [LoopID: LoopState] = [:]
    private var wakeSignals: [LoopID: WakeSignal] = [:]
    /// Key watches that wait the five-minute fallback because no key set was known yet.
    private var keyWatchAwaitsFallback: Set<LoopID> = []
    private var activeOperations = 0
    private var settleWaiters: [CheckedContinuation<Void, Never>] = []
    private var phase = Phase.notStarted

    private enum Phase {
        case notStarted, running, stopped
    }


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
        for (epoch, registration) in registrations.enumerated() {
            clients[registration.configuration.name] = ClientRuntime(registration: registration, epoch: epoch)
        }
        nextEpoch = registrations.count
    }

    private func install(_ registration: Registration) {
        clients[registration.configuration.name] = ClientRuntime(registration: registration, epoch: nextEpoch)
        nextEpoch += 1
    }

    // MARK: Running

    /// Fetches tokens and probes resources for every client until the task is cancelled or
    /// the service group shuts down. Snapshots stay readable afterwards; the streams end.
    public func run() async throws {
        guard phase == .notStarted else { return }
        phase = .running
        let ids = order.flatMap { prepareLoops(for: $0) }
        // The first fetches are staggered evenly, so a fleet does not hit its servers in one
        // second: 50 ms a client, over 30 s at most. That plans 3.3% of a fleet a second, which
        // leaves room under the 5% goal for fetches a busy start-up delays into one second (at
        // 22 s, 4.5% planned, 10,000 clients measured 6.0% in their busiest second), and starts
        // a dashboard's handful at once.
        let spread = min(30, 0.05 * Double(order.count))
        let start = clock.now()
        for (index, name) in order.enumerated() {
            clients[name]?.firstFetchNotBefore = start.addingTimeInterval(spread * Double(index) / Double(order.count))
        }
        let started = loopStarts.stream
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.publisherLoop() }
                group.addTask { await self.alarmLoop() }
                for id in ids {
                    group.addTask { await self.runLoop(id) }
                }
                // Loops of clients a reload adds, until cancelled.
                for await id in started {
                    group.addTask { await self.runLoop(id) }
                }
            }
        }
        loops.removeAll()
        wakeSignals.removeAll()
        phase = .stopped
        snapshotFeed.finish()
        eventFeed.finish()
        resumeSettleWaiters()
    }

    /// Registers the loops a client needs, busy until they first wait.
    private func prepareLoops(for name: String) -> [LoopID] {
        guard let runtime = clients[name] else { return [] }
        return LoopID.Kind.allCases.filter(runtime.needsLoop).map { kind in
            let id = LoopID(client: name, kind: kind, epoch: runtime.epoch)
            loops[id] = .busy
            wakeSignals[id] = WakeSignal()
            return id
        }
    }

    private func runLoop(_ id: LoopID) async {
        switch id.kind {
        case .scheduler: await schedulerLoop(id)
        case .poller: await pollerLoop(id)
        case .keyWatch: await keyWatchLoop(id)
        }
    }

    /// A loop runs while the manager does and its client has not been replaced or removed.
    private func isLive(_ id: LoopID) -> Bool {
        !Task.isCancelled && wakeSignals[id] != nil && clients[id.client]?.epoch == id.epoch
    }

    // MARK: Reloading

    /// What a reload changed, by client name.
    public struct ReloadSummary: Sendable, Equatable {
        public var added: [String] = []
        public var changed: [String] = []
        public var removed: [String] = []
        public var unchanged: [String] = []

        /// `1 added (orders), 1 changed (mod-client), 3 unchanged`.
        public var text: String {
            func part(_ names: [String], _ word: String) -> String? {
                names.isEmpty ? nil : "\(names.count) \(word) (\(names.joined(separator: ", ")))"
            }
            let parts = [part(added, "added"), part(changed, "changed"), part(removed, "removed")].compactMap { $0 }
                + (unchanged.isEmpty ? [] : ["\(unchanged.count) unchanged"])
            return parts.isEmpty ? "no clients" : parts.joined(separator: ", ")
        }
    }

    /// Takes a new configuration without a restart: a client whose configuration is the same
    /// keeps its token, history and loops; a changed one starts afresh (its requests under way
    /// are answered as stale); a removed one stops; a new one starts at once.
    @discardableResult
    public func reload(_ registrations: [Registration]) -> ReloadSummary {
        var summary = ReloadSummary()
        let names = registrations.map(\.configuration.name)
        let kept = Set(names)
        let now = clock.now()
        for name in order where !kept.contains(name) {
            retire(name)
            summary.removed.append(name)
            emit(name, .operatorAction(ActionRecord(
                action: .reload, client: name, at: now, succeeded: true, outcome: "removed from the configuration")))
        }
        for registration in registrations {
            let name = registration.configuration.name
            if let existing = clients[name] {
                if existing.configuration == registration.configuration {
                    summary.unchanged.append(name)
                    continue
                }
                retire(name)
                summary.changed.append(name)
            } else {
                summary.added.append(name)
            }
            install(registration)
            if phase == .running {
                for id in prepareLoops(for: name) { loopStarts.continuation.yield(id) }
            }
            let record = ActionRecord(
                action: .reload, client: name, at: now, succeeded: true,
                outcome: summary.changed.last == name ? "configuration changed: starting afresh" : "added to the configuration")
            clients[name]?.record(record)
            emit(name, .operatorAction(record))
        }
        order = names
        logger.info("configuration reloaded: \(summary.text)")
        generation &+= 1
        for name in order { publish(name) }
        announceChange()
        checkSettled()
        return summary
    }

    /// Stops a client's loops and answers whoever waits for its token.
    private func retire(_ name: String) {
        guard let runtime = clients.removeValue(forKey: name) else { return }
        for id in loops.keys where id.client == name {
            loops[id] = nil
            wakeSignals.removeValue(forKey: id)?.signal()
        }
        let stale = OAuthError.configuration("\(name) was reloaded while its token request was under way")
        for waiter in runtime.inFlight?.waiters ?? [] { waiter.resume(returning: .failure(stale)) }
        lastHealth[name] = nil
        skewedServers[name] = nil
        lastLoggedAnswer[name] = nil
    }

    // MARK: Reading

    /// Every client as of now.
    public func snapshot() -> ManagerSnapshot {
        let now = clock.now()
        return ManagerSnapshot(
            generation: generation, takenAt: now, clients: order.compactMap { clients[$0]?.snapshot(now: now) },
            recentEvents: recentEvents.inOrder)
    }

    /// A stream of snapshots: the current one at once, then one after every change.
    /// Slow readers see only the newest.
    public func updates() -> AsyncStream<ManagerSnapshot> {
        snapshotFeed.subscribe(startingWith: snapshot())
    }

    /// Every event from now on, in order (fetches, failures, API answers, verdict changes,
    /// operator actions, key-set changes, clock skew), none lost however far a reader lags.
    public func events() -> AsyncStream<ManagerEvent> {
        eventFeed.subscribe()
    }

    /// Ends every event stream: for a one-shot round (`check`), whose readers then drain what
    /// the round produced.
    public func finishEvents() {
        eventFeed.finish()
    }

    /// The names of the configured clients, in configuration order.
    public var clientNames: [String] { order }

    /// A token that is valid now, fetching one when none is held. An expired token is never
    /// returned.
    public func validToken(for name: String) async throws(OAuthError) -> String {
        guard let runtime = clients[name] else { throw OAuthError.configuration("no client named \(name)") }
        if let token = runtime.usableToken(at: clock.now()) { return token.accessToken }
        return try await fetch(name, reason: .demand).accessToken
    }

    /// The token held now, if it is still valid; never fetches. For copying to the clipboard.
    public func heldToken(for name: String) -> String? {
        clients[name]?.usableToken(at: clock.now())?.accessToken
    }

    // MARK: One round, for `check`

    /// For every client, once: fetch a token (verifying it), introspect it when it is opaque
    /// or when asked, and call `resource-uri`; then the snapshot. The same code the loops run,
    /// so `check` and the dashboard reach the same verdict.
    public func checkRound(introspectJWTs: Bool) async -> ManagerSnapshot {
        await withDiscardingTaskGroup { group in
            for name in order {
                group.addTask { await self.checkClient(name, introspectJWTs: introspectJWTs) }
            }
        }
        return snapshot()
    }

    private func checkClient(_ name: String, introspectJWTs: Bool) async {
        guard let token = try? await fetch(name, reason: .startup) else { return }
        if clients[name]?.configuration.resourceURI != nil, let held = clients[name]?.usableToken(at: clock.now()) {
            await probe(name, with: held)
        }
        // After the API call, so the answer is about the token the API saw last (a 401 may have
        // brought a new one).
        if token.decoded.format == .opaque || introspectJWTs { _ = await introspect(name) }
    }

    // MARK: Settling, for exact tests

    /// How many callers wait for the client's token request under way.
    func fetchWaiters(for name: String) -> Int {
        clients[name]?.inFlight?.waiters.count ?? 0
    }

    /// Returns once nothing is under way: every loop waits for a wake-up that is still in the
    /// future (or for a signal), and no fetch, verification, probe or action is running.
    /// Tests advance a manual clock, then await this instead of sleeping. Before `run()` has
    /// started it waits for it; after `run()` has ended it returns at once.
    public func settled() async {
        while !isSettled {
            await withCheckedContinuation { settleWaiters.append($0) }
        }
    }

    /// The earliest time a loop will wake by itself, while running.
    public func nextWakeUp() -> Date? {
        loops.values.compactMap { if case .waiting(let until) = $0 { return until } else { return nil } }.min()
    }

    private var isSettled: Bool {
        switch phase {
        case .notStarted: return false
        case .stopped: return true
        case .running: break
        }
        guard activeOperations == 0 else { return false }
        let now = clock.now()
        return loops.values.allSatisfy { state in
            guard case .waiting(let until) = state else { return false }
            return until.map { $0 > now } ?? true
        }
    }

    private func checkSettled() {
        if isSettled { resumeSettleWaiters() }
    }

    private func resumeSettleWaiters() {
        let waiters = settleWaiters
        settleWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }

    /// Work under way outside the loops, which `settled()` waits for: a method calls this and
    /// `defer { endOperation() }`. (Not a closure-taking helper: an async closure parameter runs
    /// off the actor, and the work touches the actor's state.)
    private func beginOperation() {
        activeOperations += 1
    }

    private func endOperation() {
        activeOperations -= 1
        checkSettled()
    }

    // MARK: Acting

    /// Carries out a front end's request and says how it ended. Returns when it is done;
    /// front ends call it from a task of their own so input never waits for the network.
    @discardableResult
    public func perform(_ action: ClientAction) async -> [ActionRecord] {
        switch action {
        case .refresh(let name):
            return [await manualRefresh(name)]
        case .refreshAll:
            return await withTaskGroup(of: ActionRecord.self) { group in
                for name in order { group.addTask { await self.manualRefresh(name) } }
                var records: [ActionRecord] = []
                for await record in group { records.append(record) }
                // In configuration order; a client a reload removed meanwhile goes last.
                let order = self.order
                let position = { (name: String) in order.firstIndex(of: name) ?? Int.max }
                return records.sorted { position($0.client) < position($1.client) }
            }
        case .introspect(let name):
            return [await introspect(name)]
        case .revoke(let name):
            return [await revoke(name)]
        case .diagnose(let name):
            return [await diagnose(name)]
        case .reloadConfiguration:
            // Only the host knows where the configuration came from (see `reload(_:)`).
            return [ActionRecord(
                action: .reload, client: "configuration", at: clock.now(), succeeded: false,
                outcome: "this front end cannot reload the configuration")]
        case .togglePolling(let name):
            guard clients[name] != nil else { return [unknown(name, .pause)] }
            clients[name]?.pollingPaused.toggle()
            let paused = clients[name]?.pollingPaused == true
            wake(name, .poller)
            return [finish(ActionRecord(
                action: paused ? .pause : .resume, client: name, at: clock.now(), succeeded: true,
                outcome: paused ? "calls of the resource paused" : "calls of the resource resumed"))]
        }
    }

    private func unknown(_ name: String, _ action: ActionRecord.Action) -> ActionRecord {
        ActionRecord(action: action, client: name, at: clock.now(), succeeded: false, outcome: "no client named \(name)")
    }

    /// Records an action's outcome in the client's history, the event feed and the snapshot.
    private func finish(_ record: ActionRecord) -> ActionRecord {
        clients[record.client]?.record(record)
        emit(record.client, .operatorAction(record))
        publish(record.client)
        return record
    }

    private func manualRefresh(_ name: String) async -> ActionRecord {
        guard clients[name] != nil else { return unknown(name, .refresh) }
        clients[name]?.retriesHalted = false
        clients[name]?.revoked = false
        clients[name]?.failureCount = 0
        clients[name]?.nextRetryAt = nil
        let now = clock.now()
        do {
            let token = try await fetch(name, reason: .manual)
            let expiry = token.expiresAt.map { ", expires " + TimeText.relative($0, now: clock.now()) } ?? ""
            return finish(ActionRecord(action: .refresh, client: name, at: now, succeeded: true, outcome: "new token \(token.masked)\(expiry)"))
        } catch {
            return finish(ActionRecord(action: .refresh, client: name, at: now, succeeded: false, outcome: error.description))
        }
    }

    private func introspect(_ name: String) async -> ActionRecord {
        guard let runtime = clients[name] else { return unknown(name, .introspect) }
        let now = clock.now()
        guard let token = runtime.token else {
            return finish(ActionRecord(action: .introspect, client: name, at: now, succeeded: false, outcome: "no token to introspect"))
        }
        beginOperation()
        defer { endOperation() }
        let outcome: Result<IntrospectionResult, OAuthError>
        do throws(OAuthError) {
            outcome = .success(try await runtime.service.introspect(token.accessToken))
        } catch {
            outcome = .failure(error)
        }
        // The answer is about the token sent; if another is held by now, it is not kept.
        guard clients[name]?.token?.accessToken == token.accessToken else {
            return finish(ActionRecord(action: .introspect, client: name, at: now, succeeded: false, outcome: "the token changed meanwhile; introspect again"))
        }
        switch outcome {
        case .success(let result):
            clients[name]?.introspection = result
            clients[name]?.introspectionError = nil
            clients[name]?.lastActionError = nil
            emit(name, .introspected(active: result.active))
            return finish(ActionRecord(
                action: .introspect, client: name, at: now, succeeded: true,
                outcome: result.active ? "the server says the token is active" : "the server says the token is NOT active"))
        case .failure(let error):
            clients[name]?.introspectionError = error
            clients[name]?.lastActionError = error
            return finish(ActionRecord(action: .introspect, client: name, at: now, succeeded: false, outcome: error.description))
        }
    }

    /// The three-way check of the token held now (fetching one only when none is): the key set
    /// looked at again, the API called with it, the authorization server asked about it; the
    /// record names what `diagnoses(at:)` finds.
    private func diagnose(_ name: String) async -> ActionRecord {
        guard let runtime = clients[name] else { return unknown(name, .diagnose) }
        let now = clock.now()
        beginOperation()
        defer { endOperation() }
        let token: IssuedToken
        if let held = runtime.usableToken(at: now) {
            token = held
        } else if runtime.revoked {
            // Revoked here on purpose: a new token would be checked, not the one revoked.
            return finish(ActionRecord(
                action: .diagnose, client: name, at: now, succeeded: false,
                outcome: "the token was revoked here and none is held; fetch a new one to check it"))
        } else {
            do throws(OAuthError) {
                token = try await fetch(name, reason: .manual)
            } catch {
                return finish(ActionRecord(action: .diagnose, client: name, at: now, succeeded: false, outcome: error.description))
            }
        }
        if runtime.service.watchesKeySet {
            let changed = await runtime.service.watchKeySet()
            await refreshDiagnostics(name)
            if changed { publish(name) }
        }
        if runtime.configuration.resourceURI != nil { await probe(name, with: token) }
        if runtime.configuration.introspectionURI != nil { _ = await introspect(name) }
        guard let snapshot = clients[name]?.snapshot(now: clock.now()) else { return unknown(name, .diagnose) }
        let diagnoses = snapshot.diagnoses(at: clock.now())
        let outcome = diagnoses.isEmpty
            ? "local check, introspection and API agree: nothing to diagnose"
            : "\(diagnoses.count == 1 ? "diagnosis" : "\(diagnoses.count) diagnoses"): "
                + diagnoses.map(\.cause.rawValue).joined(separator: ", ")
        return finish(ActionRecord(action: .diagnose, client: name, at: now, succeeded: true, outcome: outcome))
    }

    private func revoke(_ name: String) async -> ActionRecord {
        guard let runtime = clients[name] else { return unknown(name, .revoke) }
        let now = clock.now()
        guard let token = runtime.token else {
            return finish(ActionRecord(action: .revoke, client: name, at: now, succeeded: false, outcome: "no token to revoke"))
        }
        beginOperation()
        defer { endOperation() }
        let failure: OAuthError?
        do throws(OAuthError) {
            try await runtime.service.revoke(token.accessToken)
            failure = nil
        } catch {
            failure = error
        }
        if let failure {
            clients[name]?.lastActionError = failure
            return finish(ActionRecord(action: .revoke, client: name, at: now, succeeded: false, outcome: failure.description))
        }
        // Dropped, and not fetched again until asked: the operator revoked it on purpose.
        if clients[name]?.token?.accessToken == token.accessToken {
            clients[name]?.token = nil
            clients[name]?.refreshAt = nil
            clients[name]?.verdict = nil
            clients[name]?.revoked = true
        }
        clients[name]?.introspection = nil
        clients[name]?.introspectionError = nil
        clients[name]?.lastActionError = nil
        logger.info("\(name): token \(token.masked) revoked by the operator")
        wake(name, .scheduler)
        return finish(ActionRecord(action: .revoke, client: name, at: now, succeeded: true, outcome: "token \(token.masked) revoked and dropped"))
    }

    // MARK: Fetching

    /// Fetches a token; callers that ask while a request is under way share its answer.
    @discardableResult
    private func fetch(_ name: String, reason: FetchReason) async throws(OAuthError) -> IssuedToken {
        guard let runtime = clients[name] else { throw OAuthError.configuration("no client named \(name)") }
        if runtime.inFlight != nil {
            return try await withCheckedContinuation { continuation in
                clients[name]?.inFlight?.waiters.append(continuation)
            }.get()
        }
        clients[name]?.inFlight = InFlightFetch(reason: reason)
        publish(name)
        let service = runtime.service
        let epoch = runtime.epoch
        let startedAt = clock.now()
        let started = ContinuousClock.now
        beginOperation()
        defer { endOperation() }
        var result: Result<IssuedToken, OAuthError>
        do throws(OAuthError) {
            result = .success(try await service.requestToken())
        } catch {
            result = .failure(error)
        }
        let latency = ContinuousClock.now - started
        if case .success(let token) = result, let problem = token.arrivalProblem(now: clock.now(), endpoint: nil) {
            // A skewed clock or exp in the past: a failure under backoff, never a token to
            // hand out or a reason to fetch again at once.
            result = .failure(problem)
        }
        // Reloaded meanwhile: the waiters were answered then, and the answer belongs to nobody.
        guard clients[name]?.epoch == epoch else { throw OAuthError.configuration("\(name) was reloaded during the request") }
        let waiters = clients[name]?.inFlight?.waiters ?? []
        clients[name]?.inFlight = nil
        switch result {
        case .success(let token): accept(token, for: name, reason: reason, startedAt: startedAt, latency: latency)
        case .failure(let error): reject(error, for: name, reason: reason, startedAt: startedAt, latency: latency)
        }
        await refreshDiagnostics(name)
        publish(name)
        for waiter in waiters { waiter.resume(returning: result) }
        if case .success(let token) = result { await verify(token, for: name) }
        return try result.get()
    }

    private func accept(_ token: IssuedToken, for name: String, reason: FetchReason, startedAt: Date, latency: Duration) {
        guard var runtime = clients[name] else { return }
        let changes = Self.claimChanges(from: runtime.token?.decoded.claims, to: token.decoded.claims)
        runtime.token = token
        runtime.tokenSerial += 1
        runtime.verdict = nil
        runtime.refreshAt = RefreshPolicy(skew: runtime.configuration.refreshSkew).refreshAt(
            issuedAt: token.issuedAt, expiresAt: token.expiresAt, refreshIn: token.refreshIn, jitter: random())
        runtime.lastError = nil
        runtime.failureCount = 0
        runtime.nextRetryAt = nil
        runtime.retriesHalted = false
        runtime.revoked = false
        runtime.introspection = nil
        runtime.introspectionError = nil
        runtime.issuedAtReading = token.decoded.issuedAt.map { iat in
            // iat is whole seconds, stamped somewhere inside the exchange.
            ClockReading(
                server: token.decoded.issuer.map { TerminalText.sanitize($0) } ?? "the authorization server",
                offset: iat.timeIntervalSince(token.issuedAt.addingTimeInterval(-latency.timeInterval / 2)),
                uncertainty: latency.timeInterval / 2 + 1, source: .issuedAt, at: token.issuedAt)
        }
        runtime.record(
            FetchRecord(
                reason: reason, startedAt: startedAt, latency: latency, error: nil, claimChanges: changes,
                expiresAt: token.expiresAt, nonceRetried: token.nonceRetried))
        clients[name] = runtime
        logger.info("\(name): new token \(token.masked) (\(reason.words))")
        emit(name, .tokenFetched(reason: reason, latency: latency, expiresAt: token.expiresAt))
        // Whatever fetched it, the scheduler plans the next refresh, and a poller that waits
        // for a token starts calling (a busy one uses it on its next round).
        wake(name, .scheduler)
        wake(name, .poller, onlyIfAwaitingSignal: true)
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
            FetchRecord(
                reason: reason, startedAt: startedAt, latency: latency, error: error, claimChanges: [], expiresAt: nil,
                // The client retries a `use_dpop_nonce` once; the error is still that code only after the retry.
                nonceRetried: error.oauthCode == .useDPoPNonce))
        clients[name] = runtime
        logger.warning("\(name): token request failed (\(reason.words)): \(error.description)")
        emit(name, .tokenFailed(reason: reason, latency: latency, error: error))
        wake(name, .scheduler)
    }

    private func verify(_ token: IssuedToken, for name: String) async {
        guard let service = clients[name]?.service else { return }
        beginOperation()
        defer { endOperation() }
        let verdict = await service.verify(token.accessToken)
        await refreshDiagnostics(name)
        // The first verification fetches the key set: the watch plans by its max-age from now on.
        wake(name, .keyWatch, onlyIfAwaitingFallback: true)
        guard clients[name]?.token?.accessToken == token.accessToken else { return }
        clients[name]?.verdict = verdict
        emit(name, .signatureChecked(verdict))
        publish(name)
    }

    // MARK: The loops

    /// Fetches at startup, then before each token's refresh point, retrying failures under
    /// backoff, until cancelled. Wakes at the token's expiry too, so its verdict changes on time.
    private func schedulerLoop(_ id: LoopID) async {
        while isLive(id) {
            guard let plan = clients[id.client]?.plan(at: clock.now()) else { return }
            switch plan {
            case .fetch(let reason):
                await inChildTask { _ = try? await self.fetch(id.client, reason: reason) }
            case .wait(let until):
                await idle(id, until: until)
                publish(id.client)
            }
        }
    }

    /// Calls `resource-uri` every `poll-interval` with the held token; waits for a token when
    /// none is usable, and while paused.
    private func pollerLoop(_ id: LoopID) async {
        while isLive(id) {
            guard let runtime = clients[id.client] else { return }
            let token = runtime.usableToken(at: clock.now())
            let interval = runtime.configuration.pollInterval.timeInterval
            guard let token, !runtime.pollingPaused else {
                await idle(id, until: nil)
                continue
            }
            await inChildTask { await self.probe(id.client, with: token) }
            await idle(id, until: clock.now().addingTimeInterval(interval))
        }
    }

    /// Fetches the key set again each time its copy goes stale (its max-age, else five
    /// minutes), so a key that leaves is noticed before an API that caches keys refuses tokens.
    private func keyWatchLoop(_ id: LoopID) async {
        while isLive(id) {
            guard clients.index(forKey: id.client) != nil else { return }
            // Before the first verification has fetched the key set there is nothing to look at
            // again (and a fleet's watches all start at once); that verification wakes the watch.
            if clients[id.client]?.diagnostics.keySet != nil {
                await inChildTask { await self.watchKeySet(of: id.client) }
            }
            let fallback = clock.now().addingTimeInterval(KeySetStatus.defaultMaximumAge.timeInterval)
            let floor = clock.now().addingTimeInterval(KeySetStatus.minimumRefetchInterval.timeInterval)
            let staleAt = clients[id.client]?.diagnostics.keySetStaleAt.map { max($0, floor) }
            if staleAt == nil { keyWatchAwaitsFallback.insert(id) }
            await idle(id, until: staleAt ?? fallback)
            keyWatchAwaitsFallback.remove(id)
        }
    }

    private func watchKeySet(of name: String) async {
        guard let service = clients[name]?.service else { return }
        beginOperation()
        let changed = await service.watchKeySet()
        endOperation()
        await refreshDiagnostics(name)
        if changed { publish(name) }
    }

    /// Runs a fetch, a probe or a key-set look in a child task, whose stack is freed when it
    /// ends. A task keeps the deepest stack it ever reached for as long as it lives, and a loop
    /// lives as long as its client: the HTTP client's frames would cost each client tens of KiB.
    private func inChildTask(_ work: @escaping @Sendable () async -> Void) async {
        await withDiscardingTaskGroup { group in group.addTask(operation: work) }
    }

    /// Takes in what the client's servers have shown of their clocks and key set.
    private func refreshDiagnostics(_ name: String) async {
        guard let service = clients[name]?.service, let epoch = clients[name]?.epoch else { return }
        // Awaited first, assigned after: no access to `clients` spans the suspension.
        let diagnostics = await service.diagnostics()
        guard clients[name]?.epoch == epoch else { return }
        let before = clients[name]?.diagnostics.keySet?.changes ?? []
        clients[name]?.diagnostics = diagnostics
        if let keySet = diagnostics.keySet {
            for change in keySet.changes where !before.contains(change) {
                emit(name, .keySetChanged(source: keySet.source, change: change))
            }
        }
        var skewed = skewedServers[name] ?? []
        for reading in diagnostics.clockReadings where reading.exceeds(ClientSnapshot.clockLeeway) {
            if skewed.insert(reading.server).inserted { emit(name, .clockSkewDetected(reading)) }
        }
        // A server back within the leeway is reported again if it drifts off again.
        skewed = skewed.filter { server in
            diagnostics.clockReadings.contains { $0.server == server && $0.exceeds(ClientSnapshot.clockLeeway) }
        }
        skewedServers[name] = skewed
    }

    /// Waits until `deadline` or a wake-up signal, whichever first.
    /// The deadline is kept by the alarm loop, which sleeps for every waiting loop at once: a
    /// timer task per waiting loop would cost each client two more tasks (~10 KiB each).
    private func idle(_ id: LoopID, until deadline: Date?) async {
        guard let signal = wakeSignals[id] else { return }
        if signal.consumePending() { return }
        loops[id] = .waiting(until: deadline)
        if let deadline, alarmTarget.map({ deadline < $0 }) ?? true { alarmChanged.signal() }
        checkSettled()
        await signal.wait()
        if loops[id] != nil { loops[id] = .busy }
    }

    /// Wakes each waiting loop when its deadline comes: one sleep, until the earliest deadline,
    /// cut short when an earlier one is set.
    private func alarmLoop() async {
        let clock = self.clock
        let changed = alarmChanged
        while !Task.isCancelled {
            let now = clock.now()
            let due = loops.compactMap { id, state -> LoopID? in
                if case .waiting(let until?) = state, until <= now { return id } else { return nil }
            }
            for id in due {
                loops[id] = .busy
                wakeSignals[id]?.signal()
            }
            let next = nextWakeUp()
            alarmTarget = next
            if changed.consumePending() { continue }
            await withTaskGroup(of: Void.self) { group in
                if let next { group.addTask { try? await clock.sleep(until: next) } }
                group.addTask { await changed.wait() }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Wakes one of a client's loops so it looks at the changed state at once.
    /// - Parameters:
    ///   - onlyIfAwaitingSignal: leave a loop that waits for a time alone.
    ///   - onlyIfAwaitingFallback: wake the key watch only while it waits without a key set's
    ///     max-age to go by (it saw none yet).
    private func wake(
        _ client: String, _ kind: LoopID.Kind, onlyIfAwaitingSignal: Bool = false, onlyIfAwaitingFallback: Bool = false
    ) {
        guard let epoch = clients[client]?.epoch else { return }
        let id = LoopID(client: client, kind: kind, epoch: epoch)
        guard let signal = wakeSignals[id] else { return }
        if onlyIfAwaitingSignal && loops[id] != .waiting(until: nil) { return }
        if onlyIfAwaitingFallback && !keyWatchAwaitsFallback.contains(id) { return }
        loops[id] = .busy
        signal.signal()
    }

    private func probe(_ name: String, with token: IssuedToken) async {
        guard let runtime = clients[name] else { return }
        let service = runtime.service
        // The number of the token sent, taken before the call: another may arrive meanwhile.
        let serial = runtime.token?.accessToken == token.accessToken ? runtime.tokenSerial : nil
        let epoch = runtime.epoch
        beginOperation()
        defer { endOperation() }
        guard var response = await service.callResource(token.accessToken), clients[name]?.epoch == epoch else { return }
        response.tokenSerial = serial
        if response.status == 401, response.challengeError?.error == .invalidToken {
            record(response, for: name)
            guard let fresh = await tokenForRetry(name, rejected: token), clients[name]?.epoch == epoch else {
                publish(name)
                return
            }
            // The number of the token retried with, taken before the call, as above.
            let freshSerial = clients[name]?.token?.accessToken == fresh.accessToken ? clients[name]?.tokenSerial : nil
            guard var retried = await service.callResource(fresh.accessToken), clients[name]?.epoch == epoch else {
                publish(name)
                return
            }
            retried.wasRetry = true
            retried.tokenSerial = freshSerial
            response = retried
        }
        record(response, for: name)
        await refreshDiagnostics(name)
        publish(name)
    }

    /// The token to retry with after a 401 `invalid_token`: the held one if it changed while
    /// the call was under way, else one refresh, unless retries are halted or backing off
    /// (so a resource that rejects every token cannot drive a fetch on every poll).
    private func tokenForRetry(_ name: String, rejected: IssuedToken) async -> IssuedToken? {
        guard let runtime = clients[name] else { return nil }
        if let held = runtime.usableToken(at: clock.now()), held.accessToken != rejected.accessToken {
            return held
        }
        if runtime.retriesHalted || (runtime.nextRetryAt.map { $0 > clock.now() } ?? false) { return nil }
        return try? await fetch(name, reason: .retryAfter401)
    }

    private func record(_ response: ResourceResponse, for name: String) {
        clients[name]?.record(response)
        emit(name, .resourceCalled(response))
    }

    // MARK: Publishing

    private func emit(_ client: String, _ kind: ManagerEvent.Kind) {
        let event = ManagerEvent(at: clock.now(), client: client, kind: kind)
        eventFeed.publish(event)
        if case .resourceCalled(let response) = kind {
            guard lastLoggedAnswer.updateValue(response.outcomeKey, forKey: client) != response.outcomeKey else { return }
        }
        recentEvents.append(event)
    }

    /// Notes a change to one client: an event when its verdict changed, and a new snapshot for
    /// the readers. While running, snapshots are built by the publisher loop, which folds a
    /// burst of changes (ten thousand clients starting) into one; the cost of a change stays
    /// that of one client.
    private func publish(_ name: String) {
        generation &+= 1
        if let runtime = clients[name] {
            let now = clock.now()
            let health = runtime.snapshot(now: now).health(at: now)
            let before = lastHealth[name]
            if before?.state != health.state {
                lastHealth[name] = health
                emit(name, .healthChanged(from: before, to: health))
            }
        }
        announceChange()
    }

    /// Hands the readers a new snapshot: soon (the publisher loop) while running, else now.
    private func announceChange() {
        if phase == .running {
            snapshotsWanted.signal()
        } else if snapshotFeed.hasSubscribers {
            snapshotFeed.publish(snapshot())
        }
    }

    /// Builds and hands out a snapshot whenever changes have come since the last one.
    /// At most ten a second, fewer for a fleet (a snapshot costs every client): a dashboard
    /// redraws no faster, and a thousand clients refreshing every minute would otherwise build
    /// a thousand-client snapshot on every refresh.
    private func publisherLoop() async {
        let wanted = snapshotsWanted
        while !Task.isCancelled {
            await wanted.wait()
            guard !Task.isCancelled else { return }
            if snapshotFeed.hasSubscribers { snapshotFeed.publish(snapshot()) }
            try? await Task.sleep(for: Self.snapshotInterval(clients: order.count))
        }
    }

    /// 100 ms up to 2,000 clients, then 50 µs a client (half a second at 10,000).
    static func snapshotInterval(clients: Int) -> Duration {
        .microseconds(max(100_000, clients * 50))
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

/// One of a client's loops.
struct LoopID: Hashable, Sendable {
    enum Kind: CaseIterable, Sendable {
        case scheduler
        case poller
        /// Looks at the key set again whenever its copy goes stale.
        case keyWatch
    }

    let client: String
    let kind: Kind
    /// The client runtime's number: a reload that replaces the client retires its loops.
    let epoch: Int
}

/// Whether a loop is working or waiting (until a time, or for a signal when nil).
enum LoopState: Equatable {
    case busy
    case waiting(until: Date?)
}
