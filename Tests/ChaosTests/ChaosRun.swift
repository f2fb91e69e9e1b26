import Dashboard
import DemoServer
import Foundation
import OAuthClient
import TokenConfig
import TokenLifecycle
import TokenModel
import TokenTesting

@testable import MetricsExporter
@testable import TokentopCommands

/// One fault the chaos driver can put on the demo, and what the oracle knows of it.
enum ChaosFault: String, CaseIterable {
    case routineRotation = "routine rotation"
    case breakingRotation = "breaking rotation"
    case tokenUnavailable = "token endpoint 503"
    case tokenServerError = "token endpoint 500"
    case latency = "latency past the timeout"
    case resourceDown = "/mod down"
    case wrongAudience = "API expects another audience"
    case clockAhead = "authorization server 5 min ahead"
    case clockBehind = "authorization server 5 min behind"
    case restart = "demo restart (new keys, new secrets)"
    case reload = "configuration reload"

    /// Events happen once; held faults stay until cleared.
    var isEvent: Bool { [.routineRotation, .breakingRotation, .reload].contains(self) }
}

/// The chaos driver: a demo, a manager and the front ends' readings of its snapshots, on one
/// manual clock. Every loop is bounded in steps; every step is one virtual second and a settle.
final class ChaosRun {
    struct Report {
        var failures: [String] = []
        var rounds = 0
        var slowestConvergence: TimeInterval = 0
    }

    /// A fault that holds until cleared must show on every client it reached within this long.
    static let faultVisibleWithin: TimeInterval = 8
    /// Once cleared, every client is back to its fault-free verdict within this long.
    static let convergedWithin: TimeInterval = 45
    /// Longer than the client timeout below: the latency fault makes requests time out.
    static let faultLatency: Duration = .seconds(3)

    let clock: ManualClock
    var demo: DemoEnvironment
    let transport: HTTPTransport
    let manager: TokenManager
    private var managerTask: Task<Void, any Error>?
    private var random: SeededRandom
    private(set) var report = Report()
    /// The fault-free verdict of every client: what the demo's set-up makes true.
    private(set) var baseline: [String: HealthState] = [:]

    /// The configurations the manager runs, for the metrics' labels.
    private var configurations: [ClientConfiguration]

    private init(
        seed: UInt64, clock: ManualClock, demo: DemoEnvironment, transport: HTTPTransport,
        registrations: [TokenManager.Registration]
    ) {
        random = SeededRandom(seed: seed)
        self.clock = clock
        configurations = registrations.map(\.configuration)
        manager = TokenManager(registrations: registrations, clock: clock, random: { 0.5 })
        self.demo = demo
        self.transport = transport
    }

    /// The demo's clients as a chaos run watches them: polls every 5 s, a 2 s timeout.
    static func registrations(_ demo: DemoEnvironment, transport: HTTPTransport, clock: ManualClock) -> [TokenManager
        .Registration]
    {
        demo.configuration().clients.map { client in
            var configuration = client
            configuration.pollInterval = .seconds(5)
            configuration.timeout = .seconds(2)
            return TokenManager.Registration(
                configuration: configuration,
                service: AuthorizationClient(configuration: configuration, transport: transport, now: { clock.now() }))
        }
    }

    static func demoOptions(clock: ManualClock, ports: (Int, Int) = (0, 0)) -> DemoServerOptions {
        var options = DemoServerOptions(clock: clock)
        options.authorizationPort = ports.0
        options.resourcePort = ports.1
        // The key set says max-age 1 s: tokentop looks at it again after its 30 s floor.
        options.keySetMaxAge = .seconds(1)
        return options
    }

    /// Runs `rounds` random faults; returns what failed (empty when the verdict held).
    static func run(seed: UInt64, rounds: Int) async throws -> Report {
        // A whole second: every date the run makes is then exact in the wire format's Unix
        // seconds, so `--attach`'s reading can be compared at the very instant a token expires.
        let clock = ManualClock(now: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
        let demo = try await DemoEnvironment.start(demoOptions(clock: clock))
        let transport = HTTPTransport(environment: [:], now: { clock.now() })
        let chaos = ChaosRun(
            seed: seed, clock: clock, demo: demo, transport: transport,
            registrations: registrations(demo, transport: transport, clock: clock))
        await chaos.startManager()
        do {
            try await chaos.establishBaseline()
            for round in 0..<rounds {
                // Half the rounds pair an event (a rotation, a reload) with a held fault, so that a
                // rotation meets a refresh inside the key set's refetch floor, as in real life.
                let held = ChaosFault.allCases.filter { !$0.isEvent }
                let events = ChaosFault.allCases.filter(\.isEvent)
                let faults: [ChaosFault] =
                    Bool.random(using: &chaos.random)
                    ? [events.randomElement(using: &chaos.random)!, held.randomElement(using: &chaos.random)!]
                    : [ChaosFault.allCases.randomElement(using: &chaos.random)!]
                try await chaos.play(faults, round: round)
                chaos.report.rounds += 1
            }
        } catch {
            chaos.report.failures.append("seed \(seed): \(error)")
        }
        await chaos.stop()
        return chaos.report
    }

    private var now: Date { clock.now() }

    private func startManager() async {
        let manager = self.manager
        managerTask = Task { try await manager.run() }
        await manager.settled()
    }

    private func stop() async {
        managerTask?.cancel()
        _ = try? await managerTask?.value
        await transport.shutdown()
        await demo.shutdown()
    }

    /// One virtual second, then the point where nothing is under way.
    private func step() async {
        clock.advance(by: 1)
        await manager.settled()
    }

    /// Notes a failure once (the same one at every settled point says nothing more).
    private func fail(_ text: String) {
        if !report.failures.contains(text), report.failures.count < 40 { report.failures.append(text) }
    }

    /// Steps until every client has settled into its fault-free verdict (bounded), and checks it
    /// against the oracle: the demo's wrong-secret client is an error, no-mod-scope lacks the
    /// API's scope, the rest are ok.
    private func establishBaseline() async throws {
        let truth: [String: HealthState] = [
            "mod-client": .ok, "short-lived": .ok, "wrong-secret": .error, "no-mod-scope": .degraded,
            "post-client": .ok, "jwt-client": .ok,
        ]
        for _ in 0..<20 {
            await step()
            let states = await currentStates()
            if states == truth { break }
        }
        let states = await currentStates()
        guard states == truth else {
            fail("the fault-free start did not reach the truth: \(await verdicts())")
            throw ChaosError.noBaseline
        }
        baseline = truth
    }

    private func currentStates() async -> [String: HealthState] {
        let snapshot = await manager.snapshot()
        return Dictionary(uniqueKeysWithValues: snapshot.clients.map { ($0.name, $0.health(at: snapshot.takenAt).state) })
    }

    private func verdicts() async -> String {
        let snapshot = await manager.snapshot()
        return snapshot.clients.map {
            "\($0.name): \($0.health(at: snapshot.takenAt).state) (\($0.health(at: snapshot.takenAt).reason))"
        }
        .joined(separator: "; ")
    }

    // MARK: A round

    private func play(_ faults: [ChaosFault], round: Int) async throws {
        let label = "round \(round) (\(faults.map(\.rawValue).joined(separator: " + ")))"
        let faultStart = now
        for fault in faults { try await apply(fault) }
        var worstAfter: [String: HealthState] = [:]
        if let fault = faults.first(where: { !$0.isEvent }) {
            let hold = Int.random(in: 6...16, using: &random)
            var reachedAt: [String: Date] = [:]
            for _ in 0..<hold {
                await step()
                let snapshot = await manager.snapshot()
                await checkSettledPoint(snapshot, label: label)
                for client in snapshot.clients {
                    if reachedAt[client.name] == nil, let reached = Self.reached(client, by: fault, since: faultStart) {
                        reachedAt[client.name] = reached
                    }
                    guard let reached = reachedAt[client.name], now.timeIntervalSince(reached) >= Self.faultVisibleWithin else {
                        continue
                    }
                    let health = client.health(at: now)
                    if health.state == .ok {
                        fail(
                            "\(label): \(client.name) is ok \(Int(now.timeIntervalSince(reached)))s after the fault reached it: \(health.reason)"
                        )
                    }
                }
            }
            try await clear(fault)
        }
        // Back to the truth, with no key pressed, and staying there: a fault's effects can come
        // late (a rotation shows at the next refresh), so the whole window is watched.
        let clearedAt = now
        var lastOffTruth: Date?
        for _ in 0..<Int(Self.convergedWithin) {
            await step()
            let snapshot = await manager.snapshot()
            await checkSettledPoint(snapshot, label: label)
            for client in snapshot.clients {
                let state = client.health(at: now).state
                if (worstAfter[client.name]?.severity ?? Int.max) > state.severity { worstAfter[client.name] = state }
            }
            if await currentStates() != baseline { lastOffTruth = now }
        }
        let took = lastOffTruth.map { $0.timeIntervalSince(clearedAt) + 1 } ?? 0
        report.slowestConvergence = max(report.slowestConvergence, took)
        if lastOffTruth == now {
            fail("\(label): not back to the truth \(Int(Self.convergedWithin))s after the fault cleared: \(await verdicts())")
        }
        if faults.allSatisfy({ $0 == .routineRotation || $0 == .reload }) {
            for (name, worst) in worstAfter where baseline[name] == .ok && (worst == .error || worst == .degraded) {
                fail("\(label): nothing broke, yet \(name) went to \(worst)")
            }
        }
    }

    /// When the fault first reached `client` (a request of its own that the fault answered),
    /// from what the client recorded; nil when it has not yet.
    static func reached(_ client: ClientSnapshot, by fault: ChaosFault, since start: Date) -> Date? {
        guard client.name != "wrong-secret" else { return nil }
        let fetches = client.history.filter { $0.startedAt > start }.map(\.startedAt)
        let calls = client.responses.filter { $0.at > start }.map(\.at)
        switch fault {
        case .tokenUnavailable, .tokenServerError, .clockAhead, .clockBehind, .restart:
            return fetches.min()
        case .resourceDown, .wrongAudience:
            return client.name == "no-mod-scope" ? nil : calls.min()
        case .latency:
            return (fetches + calls).min()
        case .routineRotation, .breakingRotation, .reload:
            return nil
        }
    }

    private func apply(_ fault: ChaosFault) async throws {
        switch fault {
        case .routineRotation:
            await demo.setFaults(DemoFaults())
            try await demo.rotateKeys()
        case .breakingRotation:
            await demo.setFaults(DemoFaults(breakingRotation: true))
            try await demo.rotateKeys()
            await demo.setFaults(DemoFaults())
        case .tokenUnavailable:
            await demo.setFaults(DemoFaults(tokenErrorRate: 1, tokenFaultKind: .unavailable, retryAfterSeconds: 1))
        case .tokenServerError:
            await demo.setFaults(DemoFaults(tokenErrorRate: 1, tokenFaultKind: .serverError))
        case .latency:
            await demo.setFaults(DemoFaults(latency: Self.faultLatency))
        case .resourceDown:
            await demo.setFaults(DemoFaults(resourceDown: true))
        case .wrongAudience:
            await demo.setFaults(DemoFaults(resourceExpectedAudience: "api://orders"))
        case .clockAhead:
            await demo.setFaults(DemoFaults(clockOffset: .seconds(300)))
        case .clockBehind:
            await demo.setFaults(DemoFaults(clockOffset: .seconds(-300)))
        case .restart:
            // New keys and new secrets on the same ports: the configuration tokentop holds is
            // wrong until it is reloaded (the clear).
            let ports = (demo.endpoints.authorizationBase.port ?? 0, demo.endpoints.resourceBase.port ?? 0)
            await demo.shutdown()
            demo = try await DemoEnvironment.start(Self.demoOptions(clock: clock, ports: ports))
        case .reload:
            await reload()
        }
    }

    /// Reads the demo's configuration again, as `L` or SIGHUP would.
    private func reload() async {
        let registrations = Self.registrations(demo, transport: transport, clock: clock)
        configurations = registrations.map(\.configuration)
        await manager.reload(registrations)
    }

    private func clear(_ fault: ChaosFault) async throws {
        await demo.setFaults(DemoFaults())
        if fault == .restart { await reload() }
    }

    // MARK: Invariants at a settled point

    private func checkSettledPoint(_ snapshot: ManagerSnapshot, label: String) async {
        let now = self.now
        for problem in await Self.disagreements(snapshot, now: now, configurations: configurations) {
            fail("\(label): \(problem)")
        }
        for client in snapshot.clients {
            for problem in Self.uncheckedEvidence(client, now: now) { fail("\(label): \(client.name): \(problem)") }
        }
    }

    /// Where a front end's verdict differs from `health(at:)`: the dashboard's row, `check
    /// --json`, `serve`'s listing decoded as `--attach` decodes it, and the metrics.
    static func disagreements(_ snapshot: ManagerSnapshot, now: Date, configurations: [ClientConfiguration]) async -> [String] {
        var problems: [String] = []
        let truth = Dictionary(uniqueKeysWithValues: snapshot.clients.map { ($0.name, $0.health(at: now).state) })

        // The judgement without its words, which the table counts, orders and filters by.
        for client in snapshot.clients where client.healthState(at: now) != truth[client.name] {
            problems.append("the table's state for \(client.name) is \(client.healthState(at: now)), not the verdict's")
        }

        for client in CheckDocument(snapshot, at: now).clients where client.verdict != truth[client.name]?.rawValue {
            problems.append("check --json says \(client.verdict) for \(client.name), not \(truth[client.name]?.rawValue ?? "-")")
        }

        var index = ClientsIndex()
        index.update(snapshot)
        if let whole = try? index.select(ListingQuery()) {
            do {
                let page = ClientsPage(whole, instance: index.instance, at: now, actionsAllowed: false)
                let listing = try ClientsListing.decode(try JSONEncoder().encode(page))
                for client in listing.clients where client.health(at: now).state != truth[client.name] {
                    problems.append(
                        "--attach would say \(client.health(at: now).state) for \(client.name), not \(truth[client.name]?.rawValue ?? "-")"
                    )
                }
            } catch {
                problems.append("serve's listing does not decode as --attach decodes it: \(error)")
            }
        } else {
            problems.append("serve's listing could not be selected")
        }

        let metrics = TokenMetrics(clients: configurations, version: "chaos")
        let exposition = String(decoding: await metrics.exposition(from: snapshot, at: now), as: UTF8.self)
        // `tokentop_health_state{client="a",...,state="ok"} 1`: the state whose value is 1.
        var exported: [String: String] = [:]
        for line in exposition.split(separator: "\n") where line.hasPrefix("tokentop_health_state{") {
            guard let client = line.firstMatch(of: /client="([^"]*)"/)?.1, let state = line.firstMatch(of: /state="([^"]*)"/)?.1,
                let value = line.split(separator: " ").last.flatMap({ Double($0) }), value == 1
            else { continue }
            exported[String(client)] = String(state)
        }
        for (name, state) in truth where exported[name] != state.rawValue {
            problems.append("/metrics says \(exported[name] ?? "nothing") for \(name), not \(state.rawValue)")
        }

        let frame = Renderer().render(
            snapshot, state: ViewState(), size: TerminalSize(columns: 160, rows: 40), now: now,
            context: ScreenContext(configurationPath: "chaos.yaml", colorDepth: .monochrome, glyphs: .unicode))
        let rows = (0..<frame.height).map { frame.text(ofRow: $0) }
        for (name, state) in truth {
            guard let row = rows.first(where: { $0.contains(" \(name) ") }) else {
                problems.append("the dashboard draws no row for \(name)")
                continue
            }
            if !row.contains(" \(state.rawValue) ") {
                problems.append("the dashboard's row for \(name) is not \(state.rawValue): \(row)")
            }
        }
        return problems
    }

    /// Evidence lines of a diagnosis that rest on no check that ran: every line must be a ran
    /// check's line, a clock reading, or a fact of the token itself.
    static func uncheckedEvidence(_ client: ClientSnapshot, now: Date) -> [String] {
        let checks = client.diagnosticChecks(at: now)
        let ran = Set(checks.filter { $0.finding != nil }.map(\.line))
        let clocks = Set(client.clockReadings.map(\.summary))
        var problems: [String] = []
        for diagnosis in client.diagnoses(at: now) {
            for line in diagnosis.evidence where !ran.contains(line) && !clocks.contains(line) && !line.hasPrefix("the token's ")
            {
                problems.append("\(diagnosis.cause.rawValue) cites \"\(line)\", which no check that ran found")
            }
            if diagnosis.cause == .audienceOrIssuerMismatch || diagnosis.cause == .apiRefusesValidToken {
                let vouched = checks.contains { check in
                    (check.kind == .signature && check.finding?.hasPrefix("verified") == true)
                        || (check.kind == .introspection && check.finding?.hasPrefix("active true") == true)
                }
                if !vouched { problems.append("\(diagnosis.cause.rawValue) named with nothing that vouches for the token") }
            }
        }
        return problems
    }
}

enum ChaosError: Error {
    case noBaseline
}
