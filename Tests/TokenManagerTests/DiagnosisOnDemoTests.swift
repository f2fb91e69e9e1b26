import DemoServer
import Foundation
import OAuthClient
import Testing
import TokenConfig
import TokenModel
import TokenTesting

@testable import TokenLifecycle

/// Every cause `check --deep` names, reproduced with the embedded demo's faults: the same
/// manager round `check` runs, and the diagnosis it reads.
@Suite("Diagnoses on the embedded demo", .serialized)
struct DiagnosisOnDemoTests {
    /// One `check --deep` round of `client` on a demo started with `faults`, then `body`.
    func round<T>(
        _ client: String, faults: DemoFaults = .none, clock: (any TokenClock)? = nil,
        _ body: (TokenManager, ClientSnapshot, DemoEnvironment) async throws -> T
    ) async throws -> T {
        let demo = try await DemoEnvironment.start(DemoServerOptions(faults: faults, clock: clock ?? SystemClock()))
        let transport = HTTPTransport(environment: [:], now: { (clock ?? SystemClock()).now() })
        let configuration = try #require(demo.configuration().client(named: client))
        let service: AuthorizationClient
        if let clock {
            service = AuthorizationClient(configuration: configuration, transport: transport, now: { clock.now() })
        } else {
            service = AuthorizationClient(configuration: configuration, transport: transport)
        }
        let manager = TokenManager(
            registrations: [.init(configuration: configuration, service: service)], clock: clock ?? SystemClock())
        let snapshot = await manager.checkRound(introspectJWTs: true).clients[0]
        let result: Result<T, any Error>
        do { result = .success(try await body(manager, snapshot, demo)) } catch { result = .failure(error) }
        await transport.shutdown()
        await demo.shutdown()
        return try result.get()
    }

    @Test("an API that expects another audience: audience or issuer mismatch")
    func audience() async throws {
        try await round("mod-client", faults: DemoFaults(resourceExpectedAudience: "api://orders")) { _, client, _ in
            #expect(client.health(at: Date()).state == .degraded)
            #expect(client.diagnoses(at: Date()).first?.cause == .audienceOrIssuerMismatch)
        }
    }

    @Test("an API that expects another issuer: audience or issuer mismatch")
    func issuer() async throws {
        try await round("mod-client", faults: DemoFaults(resourceExpectedIssuer: "https://other.example")) { _, client, _ in
            #expect(client.diagnoses(at: Date()).first?.cause == .audienceOrIssuerMismatch)
        }
    }

    @Test("a token without the API's scope: missing scope, naming it")
    func scope() async throws {
        try await round("no-mod-scope") { _, client, _ in
            let diagnosis = try #require(client.diagnoses(at: Date()).first)
            #expect(diagnosis.cause == .missingScope)
            #expect(diagnosis.summary.contains("custom_mod"))
        }
    }

    @Test("an authorization server five minutes ahead: clock skew named as the cause", arguments: [300, -300])
    func clockSkew(offsetSeconds: Int) async throws {
        try await round("mod-client", faults: DemoFaults(clockOffset: .seconds(offsetSeconds))) { _, client, _ in
            let diagnosis = try #require(client.diagnoses(at: Date()).first)
            #expect(diagnosis.cause == .clockSkew)
            #expect(diagnosis.evidence.contains { $0.contains("Date header") })
            #expect(client.health(at: Date()).state != .ok)
        }
    }

    @Test("a skewed clock is one event per server in the event log, not one per answer")
    func clockSkewEvent() async throws {
        try await round("mod-client", faults: DemoFaults(clockOffset: .seconds(300))) { manager, _, _ in
            await manager.perform(.diagnose(client: "mod-client"))
            let skews = await manager.snapshot().recentEvents.compactMap { event -> ClockReading? in
                if case .clockSkewDetected(let reading) = event.kind { return reading } else { return nil }
            }
            #expect(skews.count == Set(skews.map(\.server)).count)
            #expect(skews.first?.offset ?? 0 > 290)
            #expect(
                skews.first.map { ManagerEvent(at: Date(), client: "c", kind: .clockSkewDetected($0)).json["event"] }
                    == .string("clock_skew"))
        }
    }

    @Test("the three-way check (the dashboard's diagnose key) names a revocation done behind tokentop's back")
    func diagnoseAction() async throws {
        try await round("mod-client") { manager, _, demo in
            let first = await manager.perform(.diagnose(client: "mod-client"))
            #expect(first.first?.outcome.contains("nothing to diagnose") == true)
            let raw = try #require(await manager.heldToken(for: "mod-client"))
            let transport = HTTPTransport(environment: [:])
            let other = AuthorizationClient(
                configuration: try #require(demo.configuration().client(named: "mod-client")), transport: transport)
            try await other.revoke(raw)
            await transport.shutdown()
            let records = await manager.perform(.diagnose(client: "mod-client"))
            #expect(records.first?.action == .diagnose)
            let actions = await manager.snapshot().clients[0].actions.map(\.outcome)
            // The key set was fetched moments ago: the check says when it fetches it again.
            #expect(records.first?.outcome.hasPrefix("diagnosis: revoked; key set refetch in ") == true, "actions: \(actions)")
            // The check used the held token: it is still the one revoked.
            #expect(await manager.heldToken(for: "mod-client") == raw)
            let events = await manager.snapshot().recentEvents
            #expect(
                events.contains { if case .operatorAction(let record) = $0.kind { record.action == .diagnose } else { false } })
            #expect(events.contains { if case .introspected(active: false) = $0.kind { true } else { false } })
        }
    }

    @Test("after the operator's own revoke, the three-way check says there is nothing held to check, and fetches nothing")
    func diagnoseAfterOwnRevoke() async throws {
        try await round("mod-client") { manager, _, _ in
            let revoked = await manager.perform(.revoke(client: "mod-client"))
            #expect(revoked.first?.succeeded == true)
            let records = await manager.perform(.diagnose(client: "mod-client"))
            #expect(records.first?.succeeded == false)
            #expect(records.first?.outcome.contains("revoked here") == true)
            #expect(await manager.heldToken(for: "mod-client") == nil)
        }
    }

    @Test("a token revoked behind tokentop's back: valid here, inactive at the server")
    func revoked() async throws {
        try await round("mod-client") { manager, _, demo in
            let raw = try #require(await manager.heldToken(for: "mod-client"))
            let transport = HTTPTransport(environment: [:])
            let other = AuthorizationClient(
                configuration: try #require(demo.configuration().client(named: "mod-client")), transport: transport)
            try await other.revoke(raw)
            await transport.shutdown()
            let introspected = await manager.perform(.introspect(client: "mod-client"))
            let client = await manager.snapshot().clients[0]
            #expect(client.diagnoses(at: Date()).first?.cause == .revoked, "introspection: \(introspected.map(\.outcome))")
            #expect(client.health(at: Date()).state == .error)
        }
    }

    @Test(
        "a breaking key rotation: the held token's key leaves the key set; key_rotation, then a new token, ok again with no key pressed"
    )
    func keyRotation() async throws {
        let clock = ManualClock(now: Date())
        try await round("mod-client", faults: DemoFaults(breakingRotation: true), clock: clock) { manager, before, demo in
            #expect(before.diagnoses(at: clock.now()).isEmpty)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await manager.run() }
                await manager.settled()
                let oldKID = await manager.snapshot().clients[0].token?.decoded.keyID
                _ = try await demo.rotateKeys()
                // The key set's copy goes stale after five minutes; the plan fetches it again,
                // finds the token's key gone, and replaces the token by itself.
                clock.advance(by: 301)
                await manager.settled()
                let client = await manager.snapshot().clients[0]
                #expect(client.keySet?.changes.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.added, .removed])
                #expect(client.token?.decoded.keyID != oldKID)
                // Replaced by tokentop itself: because the key left the set, or because the API, whose
                // copy expired at the same moment, refused the token first.
                #expect([.verificationFailed, .retryAfter401].contains(client.history.last?.reason))
                #expect(client.health(at: clock.now()).state == .ok, "\(client.health(at: clock.now()))")
                #expect(client.diagnoses(at: clock.now()).isEmpty)
                // The event log has the verdict going to key_rotation and back, not a false error.
                let verdicts = await manager.snapshot().recentEvents.compactMap { event -> HealthVerdict? in
                    if case .healthChanged(_, let to) = event.kind { return to } else { return nil }
                }
                #expect(verdicts.suffix(2).map(\.state) == [.degraded, .ok], "\(verdicts)")
                // Degraded for the key rotation, or for the API's refusal when its copy expired first.
                #expect(
                    verdicts.suffix(2).first.map { $0.reason.contains("key rotation") || $0.reason.contains("API 401") } == true,
                    "\(verdicts)")
                #expect(!verdicts.contains { $0.state == .error })
                // The event log has the rotation, as the key set's two changes.
                let keyEvents = await manager.snapshot().recentEvents.compactMap { event -> KeySetChange.Kind? in
                    if case .keySetChanged(_, let change) = event.kind { return change.kind } else { return nil }
                }
                #expect(keyEvents.sorted { $0.rawValue < $1.rawValue } == [.added, .removed])
                group.cancelAll()
            }
        }
    }
}
