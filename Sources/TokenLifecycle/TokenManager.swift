import Foundation
import Logging
import OAuthClient
import ServiceLifecycle
import TokenConfig
import TokenModel

/// Owns every client's token: fetches, refreshes before expiry, backs off on failure, probes
/// the protected endpoint, keeps each token's verdict drawn from the key set as it stands, and
/// publishes immutable snapshots and events for front ends.
///
/// A ServiceLifecycle `Service`: `run()` drives a scheduler loop (and a resource poller) per
/// client as child tasks of one task group, until cancelled or shut down gracefully. Operator
/// actions (`perform`) and demands (`validToken`) run in their caller's task and share the same
/// code; concurrent fetches for one client share one request.
///
/// The manager is read in this order: this file (the registry, reading, reloading, running);
/// `ClientRuntime` (one client's facts) and `ClientPlan` (what it does next, pure);
/// `TokenManager+Lifecycle` (fetching and verifying); `TokenManager+Loops` (the loops and the
/// probe); `TokenManager+Actions` (what the operator asks); `TokenManager+RateLimits` (the token
/// endpoint's shared budget); `LoopTable` and `EventJournal` (the runtime's and the log's bookkeeping).
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

    var clients: [String: ClientRuntime] = [:]
    var order: [String]
    /// Numbers each client's runtime, so the loops and requests of a client replaced by a
    /// reload know they are stale.
    private var nextEpoch = 0
    /// Loops started after `run()` began (by a reload), handed to its task group.
    private let loopStarts = AsyncStream<LoopID>.makeStream()
    let clock: any TokenClock
    let backoff: BackoffPolicy
    let random: @Sendable () -> Double
    let logger: Logger
    private var generation: UInt64 = 0
    private let snapshotFeed = Broadcast<ManagerSnapshot>(policy: .bufferingNewest(1))
    var journal = EventJournal(capacity: recentEventLimit)
    var loops = LoopTable()
    /// The token endpoints' rate-limit budgets, the newest answer per issuer and endpoint
    /// (`TokenManager+RateLimits`).
    var rateLimits: [RateLimitBudget.Key: RateLimitBudget] = [:]
    /// Signalled on every change while running; the publisher loop answers with a snapshot.
    private let snapshotsWanted = WakeSignal()
    /// Signalled when a loop waits for an earlier time than the alarm sleeps until.
    let alarmChanged = WakeSignal()
    var alarmTarget: Date?
    private(set) var phase = Phase.notStarted

    enum Phase {
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
        phase = .stopped
        snapshotFeed.finish()
        journal.feed.finish()
        checkSettled()
    }

    /// Registers the loops a client needs, busy until they first wait.
    private func prepareLoops(for name: String) -> [LoopID] {
        guard let runtime = clients[name] else { return [] }
        let kinds: [LoopID.Kind] = runtime.needsPoller ? [.scheduler, .poller] : [.scheduler]
        return kinds.map { kind in
            let id = LoopID(client: name, kind: kind, epoch: runtime.epoch)
            loops.register(id)
            return id
        }
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
            let parts =
                [part(added, "added"), part(changed, "changed"), part(removed, "removed")].compactMap { $0 }
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
            emit(
                name,
                .operatorAction(
                    ActionRecord(
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
        logger.info("configuration reloaded", metadata: ["summary": "\(summary.text)"])
        generation &+= 1
        for name in order { publish(name) }
        announceChange()
        checkSettled()
        return summary
    }

    /// Stops a client's loops and answers whoever waits for its token.
    private func retire(_ name: String) {
        guard let runtime = clients.removeValue(forKey: name) else { return }
        for kind in LoopID.Kind.allCases { loops.retire(LoopID(client: name, kind: kind, epoch: runtime.epoch)) }
        let stale = OAuthError.configuration("\(name) was reloaded while its token request was under way")
        for waiter in runtime.inFlight?.waiters ?? [] { waiter.resume(returning: .failure(stale)) }
        journal.forget(name)
    }

    // MARK: Reading

    /// Every client as of now.
    public func snapshot() -> ManagerSnapshot {
        let now = clock.now()
        let budgets = budgetsWithHeaviestClients(now: now)
        return ManagerSnapshot(
            generation: generation, takenAt: now,
            clients: order.compactMap { name in
                clients[name].map { runtime in
                    runtime.snapshot(now: now, budget: runtime.diagnostics.tokenEndpointBudget.flatMap { budgets[$0.key] })
                }
            },
            recentEvents: journal.recentEvents)
    }

    /// A stream of snapshots: the current one at once, then one after every change.
    /// Slow readers see only the newest.
    public func updates() -> AsyncStream<ManagerSnapshot> {
        snapshotFeed.subscribe(startingWith: snapshot())
    }

    /// Every event from now on, in order (fetches, failures, API answers, verdict changes,
    /// operator actions, key-set changes, clock skew), none lost however far a reader lags.
    public func events() -> AsyncStream<ManagerEvent> {
        journal.feed.subscribe()
    }

    /// Ends every event stream: for a one-shot round (`check`), whose readers then drain what
    /// the round produced.
    public func finishEvents() {
        journal.feed.finish()
    }

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
            await withCheckedContinuation { loops.addSettleWaiter($0) }
        }
    }

    /// The earliest time a loop will wake by itself, while running.
    public func nextWakeUp() -> Date? {
        loops.nextWakeUp
    }

    private var isSettled: Bool {
        switch phase {
        case .notStarted: false
        case .stopped: true
        case .running: loops.isSettled(now: clock.now())
        }
    }

    func checkSettled() {
        guard phase != .notStarted else { return }
        loops.resumeIfSettled(now: clock.now(), running: phase == .running)
    }

    /// Work under way outside the loops, which `settled()` waits for: a method calls this and
    /// `defer { endOperation() }`. (Not a closure-taking helper: an async closure parameter runs
    /// off the actor, and the work touches the actor's state.)
    func beginOperation() {
        loops.beginOperation()
    }

    func endOperation() {
        loops.endOperation(now: clock.now(), running: phase == .running)
        if phase == .stopped { checkSettled() }
    }

    // MARK: Publishing

    func emit(_ client: String, _ kind: ManagerEvent.Kind) {
        journal.record(ManagerEvent(at: clock.now(), client: client, kind: kind))
    }

    /// Notes a change to one client: an event when its verdict changed, and a new snapshot for
    /// the readers. While running, snapshots are built by the publisher loop, which folds a
    /// burst of changes (ten thousand clients starting) into one; the cost of a change stays
    /// that of one client.
    func publish(_ name: String) {
        generation &+= 1
        if let runtime = clients[name] {
            let now = clock.now()
            let health = runtime.snapshot(now: now, budget: sharedBudget(of: runtime)).health(at: now)
            if let change = journal.healthChange(of: name, to: health, at: now) { journal.record(change) }
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
    /// a thousand-client snapshot on every refresh. The pause is real time, not the injected
    /// clock's: it bounds CPU work, as an HTTP timeout bounds a wait, and decides no verdict (a
    /// manual clock that stands still would otherwise stop every snapshot after the first).
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
}
