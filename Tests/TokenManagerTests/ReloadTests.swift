import Foundation
import OAuthClient
import Testing
import TokenConfig
import TokenModel
import TokenTesting

@testable import TokenLifecycle

/// `L` in the dashboard and SIGHUP to `serve`: the configuration read again without a restart.
@Suite("Reloading the configuration")
struct ReloadTests {
    let clock = ManualClock()

    func configuration(_ name: String, scopes: [String] = ["custom_mod"]) -> ClientConfiguration {
        ClientConfiguration(
            name: name, tokenURI: URL(string: "http://127.0.0.1:1/token"), clientID: "id-\(name)",
            clientSecret: .inline("secret"), scopes: scopes)
    }

    func registration(_ configuration: ClientConfiguration, _ service: FakeAuthorizationService) -> TokenManager.Registration {
        .init(configuration: configuration, service: service)
    }

    func running(_ manager: TokenManager, _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await manager.run() }
            // Stopped however the body ends, so a failing test fails instead of hanging.
            defer { group.cancelAll() }
            await manager.settled()
            try await body()
        }
    }

    @Test("an unchanged client keeps its token; a changed one starts afresh; a new one starts; a removed one stops")
    func reloadKeepsWhatDidNotChange() async throws {
        let kept = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        let changed = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        let removed = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        let manager = TokenManager(
            registrations: [
                registration(configuration("kept"), kept), registration(configuration("changed"), changed),
                registration(configuration("removed"), removed),
            ],
            clock: clock, random: { 0 })
        try await running(manager) {
            // Past the start-up stagger (50 ms a client): all three hold a token.
            clock.advance(by: 1)
            await manager.settled()
            let keptToken = await manager.heldToken(for: "kept")
            #expect(keptToken != nil)

            let changedAgain = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 60)])
            let added = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
            let summary = await manager.reload([
                registration(configuration("kept"), FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 5)])),
                registration(configuration("changed", scopes: ["custom_mod", "orders"]), changedAgain),
                registration(configuration("added"), added),
            ])
            #expect(summary == .init(added: ["added"], changed: ["changed"], removed: ["removed"], unchanged: ["kept"]))
            #expect(summary.text == "1 added (added), 1 changed (changed), 1 removed (removed), 1 unchanged")
            await manager.settled()

            let snapshot = await manager.snapshot()
            #expect(snapshot.clients.map(\.name) == ["kept", "changed", "added"])
            // The kept client is untouched: same token, same history, its old service.
            #expect(await manager.heldToken(for: "kept") == keptToken)
            #expect(kept.tokenRequests == 1)
            #expect(snapshot.clients[0].history.count == 1)
            // The changed client fetched with its new configuration, and its history starts again.
            #expect(changedAgain.tokenRequests == 1)
            #expect(snapshot.clients[1].history.map(\.reason) == [.startup])
            #expect(snapshot.clients[1].actions.map(\.outcome) == ["configuration changed: starting afresh"])
            #expect(added.tokenRequests == 1)
            #expect(
                snapshot.recentEvents.contains {
                    if case .operatorAction(let record) = $0.kind {
                        record.client == "removed" && record.action == .reload
                    } else {
                        false
                    }
                })

            // The old loops are gone: ten minutes on, the removed client and the replaced runtime
            // fetch nothing, and the changed client refreshes its 60 s token once each period,
            // not twice as a leftover loop would.
            for _ in 0..<600 {
                clock.advance(by: 1)
                await manager.settled()
            }
            #expect(removed.tokenRequests == 1)
            #expect(changed.tokenRequests == 1)
            let history = await manager.snapshot().clients[1].history
            #expect(changedAgain.tokenRequests == history.count)
            #expect(history.count >= 10)
            let gaps = Set(zip(history.dropFirst(), history).map { Int($0.startedAt.timeIntervalSince($1.startedAt)) })
            #expect(gaps.count == 1)
            #expect(gaps.allSatisfy { $0 >= 30 })
        }
    }

    @Test("a reload during a token request answers its waiters at once; the stale answer is dropped")
    func reloadDuringFetch() async throws {
        let old = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        let manager = TokenManager(registrations: [registration(configuration("c"), old)], clock: clock, random: { 0 })
        old.closeGate()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await manager.run() }
            defer {
                old.openGate()
                group.cancelAll()
            }
            // The start-up fetch waits at the gate; a caller wanting a token waits for it.
            while old.waitingAtGate == 0 { await Task.yield() }
            let demand = Task { () async throws(OAuthError) -> String in try await manager.validToken(for: "c") }
            while await manager.fetchWaiters(for: "c") == 0 { await Task.yield() }

            let fresh = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600, scope: "new")])
            await manager.reload([registration(configuration("c", scopes: ["new"]), fresh)])
            // Answered by the reload itself, while the old request is still held at the gate.
            let answer = await demand.result
            guard case .failure(let error) = answer else {
                Issue.record("the waiter got a token from the replaced client")
                return
            }
            #expect(String(describing: error).contains("reloaded"))
            #expect(old.waitingAtGate == 1)

            old.openGate()
            await manager.settled()
            let client = await manager.snapshot().clients[0]
            #expect(client.token?.scopes == ["new"])
            #expect(client.history.map(\.reason) == [.startup])
            #expect(fresh.tokenRequests == 1)
            group.cancelAll()
        }
    }
}
