import Foundation
import OAuthClient
import Testing
import TokenConfig
import TokenModel
import TokenTesting

@testable import TokenLifecycle

@Suite("The token manager's lifecycle, with an injected clock and no sleeps")
struct TokenManagerTests {
    let clock = ManualClock()

    func manager(
        _ service: FakeAuthorizationService, skew: Duration = .seconds(60), refresh: RefreshMode = .automatic,
        resource: Bool = false, historySize: Int = 100, random: Double = 0
    ) -> TokenManager {
        let configuration = ClientConfiguration(
            name: "mod-client", tokenURI: URL(string: "http://127.0.0.1:1/token"), clientID: "id",
            clientSecret: .inline("secret"), scopes: ["custom_mod"],
            resourceURI: resource ? URL(string: "http://127.0.0.1:1/mod") : nil, pollInterval: .seconds(10),
            refreshSkew: skew, refreshMode: refresh, historySize: historySize)
        return TokenManager(
            registrations: [.init(configuration: configuration, service: service)], clock: clock, random: { random })
    }

    func client(_ manager: TokenManager) async -> ClientSnapshot {
        await manager.snapshot().clients[0]
    }

    func health(_ manager: TokenManager) async -> HealthVerdict {
        await client(manager).health(at: clock.now())
    }

    @Test("a token is fetched at startup and shown as valid with its refresh point")
    func startupFetch() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        let manager = manager(service)
        try await running(manager) {
            let snapshot = await client(manager)
            #expect(snapshot.state == .valid)
            #expect(snapshot.token?.refreshAt == clock.now() + 3540)
            #expect(snapshot.history.map(\.reason) == [.startup])
            #expect(snapshot.token?.masked == "fake…-1")
            #expect(snapshot.token?.verdict.status == .verified)
            #expect(await manager.nextWakeUp() == clock.now() + 3540)
        }
    }

    @Test("the event log in the snapshot keeps the latest 1,000 events, oldest first")
    func eventLogBound() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        let manager = manager(service, resource: true)
        for _ in 0..<(TokenManager.recentEventLimit + 5) {
            await manager.perform(.togglePolling(client: "mod-client"))
        }
        let events = await manager.snapshot().recentEvents
        #expect(events.count == TokenManager.recentEventLimit)
        // 1,005 toggles from running: the last one paused (odd count), and it is the newest.
        guard case .operatorAction(let last) = events.last?.kind else {
            Issue.record("the newest event is not the last toggle")
            return
        }
        #expect(last.action == .pause)
    }

    @Test("the event log keeps an API answer when it changes, not every poll that answers alike")
    func eventLogKeepsChanges() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        service.scriptResource(
            (0..<5).map { _ in ResourceResponse(status: 200, latency: .milliseconds(3), at: clock.now(), bodyExcerpt: "ok") }
                + (0..<3).map { _ in
                    ResourceResponse(status: 503, latency: .milliseconds(3), at: clock.now(), bodyExcerpt: "down")
                })
        let manager = manager(service, resource: true)
        try await running(manager) {
            for _ in 0..<10 {
                clock.advance(by: 10)
                await manager.settled()
            }
            #expect(service.resourceCalls.count == 11)
            let answers = await manager.snapshot().recentEvents.compactMap { event -> Int? in
                if case .resourceCalled(let response) = event.kind { return response.status } else { return nil }
            }
            // 200 ×5, 503 ×3, then 200 again (the fake's default): three changes, three entries.
            #expect(answers == [200, 503, 200])
        }
    }

    @Test("a 30-second token is refreshed automatically at 24 s, not before")
    func scheduledRefresh() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 30)])
        let manager = manager(service)
        try await running(manager) {
            clock.advance(by: 23)
            await manager.settled()
            #expect(service.tokenRequests == 1)
            clock.advance(by: 1)
            await manager.settled()
            #expect(service.tokenRequests == 2)
            #expect(await client(manager).history.map(\.reason) == [.startup, .scheduled])
        }
    }

    @Test("a failing token endpoint is retried with exponential backoff")
    func backoffOnFailure() async throws {
        let failure = OAuthError.server(code: "server_error", description: nil, uri: nil, endpoint: "token", httpStatus: 500)
        let service = FakeAuthorizationService(
            clock: clock, outcomes: [.failure(failure), .failure(failure), .token(lifetime: 3600)])
        let manager = manager(service, random: 1)
        try await running(manager) {
            #expect(await client(manager).state == .error)
            #expect(await client(manager).nextRetryAt == clock.now() + 1)
            clock.advance(by: 1)
            await manager.settled()
            #expect(await client(manager).history.count == 2)
            #expect(await client(manager).nextRetryAt == clock.now() + 2)
            #expect(await client(manager).history.last?.reason == .retry)
            clock.advance(by: 2)
            await manager.settled()
            #expect(await client(manager).state == .valid)
            #expect(await client(manager).lastError == nil)
        }
    }

    @Test("Retry-After from the server sets the next attempt")
    func retryAfter() async throws {
        let failure = OAuthError.httpStatus(503, summary: "HTTP 503", endpoint: "token", retryAfter: .seconds(120))
        let service = FakeAuthorizationService(clock: clock, outcomes: [.failure(failure)])
        let manager = manager(service, random: 1)
        try await running(manager) {
            #expect(await client(manager).state == .error)
            #expect(await client(manager).nextRetryAt == clock.now() + 120)
            #expect(await manager.nextWakeUp() == clock.now() + 120)
        }
    }

    @Test("invalid_client stops automatic retries until a manual refresh")
    func invalidClientHalts() async throws {
        let rejected = OAuthError.server(
            code: "invalid_client", description: "bad secret", uri: nil, endpoint: "token", httpStatus: 401)
        let service = FakeAuthorizationService(clock: clock, outcomes: [.failure(rejected), .token(lifetime: 3600)])
        let manager = manager(service)
        try await running(manager) {
            #expect(await client(manager).retriesHalted)
            #expect(await health(manager).state == .error)
            #expect(await health(manager).reason.contains("invalid_client"))
            #expect(await health(manager).reason.contains("retries stopped"))
            clock.advance(by: 3600)
            await manager.settled()
            #expect(service.tokenRequests == 1)
            let outcome = await manager.perform(.refresh(client: "mod-client"))
            #expect(outcome.first?.succeeded == true)
            #expect(service.tokenRequests == 2)
            #expect(await client(manager).state == .valid)
            #expect(await client(manager).history.map(\.reason) == [.startup, .manual])
        }
    }

    @Test("a token endpoint that requires DPoP of a client that sends no proof halts retries as invalid_client does")
    func dpopRequiredHalts() async throws {
        let refused = OAuthError.server(
            code: "invalid_dpop_proof", description: "The DPoP proof JWT header is missing.", uri: nil, endpoint: "token",
            httpStatus: 400
        ).requiring(.dpop)
        let service = FakeAuthorizationService(clock: clock, outcomes: [.failure(refused), .token(lifetime: 3600)])
        let manager = manager(service)
        try await running(manager) {
            #expect(await client(manager).retriesHalted)
            #expect(await health(manager).cause == .diagnosed(.dpopRequired))
            clock.advance(by: 3600)
            await manager.settled()
            #expect(service.tokenRequests == 1)
        }
    }

    @Test("while refresh fails the still-valid token is used (degraded), and never once it has expired")
    func keepsValidTokenNeverExpired() async throws {
        let failure = OAuthError.network(.connectionRefused, "connection refused", endpoint: "token")
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 30), .failure(failure)])
        let manager = manager(service, random: 1)
        try await running(manager) {
            let first = try await manager.validToken(for: "mod-client")
            clock.advance(by: 24)
            await manager.settled()
            #expect(await client(manager).history.count == 2)
            #expect(await client(manager).state == .refreshDue)
            #expect(await health(manager).state == .degraded)
            #expect(await health(manager).reason.hasPrefix("refresh failing (connection_refused) — current token valid 6s"))
            #expect(try await manager.validToken(for: "mod-client") == first)
        }
        clock.advance(by: 10)
        #expect(await client(manager).state == .error)
        await #expect(throws: OAuthError.self) { try await manager.validToken(for: "mod-client") }
    }

    @Test("the verdict turns to expired at the token's expiry, published by the scheduler waking then")
    func expiresOnTime() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 30)])
        let manager = manager(service, refresh: .manual)
        let events = await manager.events()
        try await running(manager) {
            #expect(await manager.nextWakeUp() == clock.now() + 30)
            clock.advance(by: 30)
            await manager.settled()
            #expect(await health(manager).state == .expired)
        }
        var changes: [HealthState] = []
        for await event in events {
            if case .healthChanged(_, let to) = event.kind { changes.append(to.state) }
        }
        #expect(changes == [.pending, .ok, .expired])
    }

    @Test("a token that has already expired on arrival is a failure under backoff, never handed out")
    func expiredOnArrival() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: -5)])
        let manager = manager(service, random: 1)
        try await running(manager) {
            let snapshot = await client(manager)
            #expect(snapshot.state == .error)
            #expect(snapshot.lastError?.description.contains("already expired on arrival") == true)
            #expect(snapshot.nextRetryAt == clock.now() + 1)
            #expect(service.tokenRequests == 1)
        }
        await #expect(throws: OAuthError.self) { try await manager.validToken(for: "mod-client") }
    }

    @Test("a 401 from the resource does not force a fetch while retries are halted")
    func noForcedFetchWhenHalted() async throws {
        let rejected = OAuthError.server(
            code: "invalid_client", description: "disabled", uri: nil, endpoint: "token", httpStatus: 401)
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600), .failure(rejected)])
        let unauthorized = ResourceResponse(
            status: 401, latency: .milliseconds(1), at: clock.now(),
            wwwAuthenticate: "Bearer error=\"invalid_token\"", bodyExcerpt: "")
        service.scriptResource([unauthorized, unauthorized, unauthorized])
        let manager = manager(service, resource: true)
        try await running(manager) {
            #expect(await client(manager).retriesHalted)
            #expect(service.tokenRequests == 2)
            clock.advance(by: 10)
            await manager.settled()
            #expect(service.resourceCalls.count == 2)
            #expect(service.tokenRequests == 2)
            #expect(await health(manager).reason.contains("API 401 invalid_token"))
        }
    }

    @Test("concurrent callers share one token request")
    func sharedInFlight() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        service.closeGate()
        let manager = manager(service)
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<10 { group.addTask { try await manager.validToken(for: "mod-client") } }
            do {
                // Generous: on a loaded machine the callers may take a while to start.
                try await eventually("the request to reach the server", timeout: .seconds(120)) { service.waitingAtGate == 1 }
            } catch {
                // Never leave the callers at a closed gate: the group would wait for them forever.
                service.openGate()
                throw error
            }
            // Callers that arrive after the answer find the token held: still one request.
            service.openGate()
            var tokens: [String] = []
            for try await token in group { tokens.append(token) }
            return tokens
        }
        #expect(service.tokenRequests == 1)
        #expect(Set(tokens).count == 1)
    }

    @Test("a manual refresh replaces a valid token, says so, and is recorded in the history")
    func manualRefresh() async throws {
        let service = FakeAuthorizationService(
            clock: clock, outcomes: [.token(lifetime: 3600), .token(lifetime: 3600, scope: "custom_mod extra")])
        let manager = manager(service)
        try await running(manager) {
            let before = await client(manager).token?.masked
            let outcome = await manager.perform(.refresh(client: "mod-client"))
            #expect(outcome.first?.footerText.hasPrefix("refresh mod-client: new token fake…-2") == true)
            let after = await client(manager)
            #expect(after.token?.masked != before)
            #expect(after.history.map(\.reason) == [.startup, .manual])
            #expect(after.history.last?.claimChanges == ["~scope"])
            #expect(after.actions.map(\.action) == [.refresh])
        }
    }

    @Test("refresh: manual fetches once and then only on a key press")
    func manualMode() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 30)])
        let manager = manager(service, refresh: .manual)
        try await running(manager) {
            #expect(await client(manager).token?.refreshAt == nil)
            clock.advance(by: 60)
            await manager.settled()
            #expect(service.tokenRequests == 1)
            #expect(await client(manager).state == .expired)
        }
    }

    @Test("revoke revokes at the server, drops the token and does not fetch another by itself")
    func revokeDrops() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        let manager = manager(service)
        try await running(manager) {
            let outcome = await manager.perform(.revoke(client: "mod-client"))
            #expect(outcome.first?.succeeded == true)
            #expect(service.revokedTokens == ["fake-access-token-number-1"])
            #expect(await client(manager).token == nil)
            #expect(await client(manager).state == .noToken)
            #expect(await health(manager).state == .error)
            clock.advance(by: 600)
            await manager.settled()
            #expect(service.tokenRequests == 1)
            let again = await manager.perform(.revoke(client: "mod-client"))
            #expect(again.first?.succeeded == false)
            #expect(again.first?.outcome == "no token to revoke")
        }
    }

    @Test("a 401 invalid_token from the resource forces one refresh and one retry")
    func retryAfter401() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        service.scriptResource([
            ResourceResponse(
                status: 401, latency: .milliseconds(2), at: clock.now(),
                wwwAuthenticate: "Bearer error=\"invalid_token\", error_description=\"revoked\"", bodyExcerpt: "")
        ])
        let manager = manager(service, resource: true)
        try await running(manager) {
            let snapshot = await client(manager)
            #expect(snapshot.responses.map(\.status) == [401, 200])
            #expect(snapshot.responses.last?.wasRetry == true)
            #expect(snapshot.history.map(\.reason) == [.startup, .retryAfter401])
            #expect(service.resourceCalls == ["fake-access-token-number-1", "fake-access-token-number-2"])
            #expect(snapshot.isStale(snapshot.responses[0], at: clock.now()))
            #expect(!snapshot.isStale(snapshot.responses[1], at: clock.now()))
            #expect(await health(manager).state == .ok)
        }
    }

    @Test("pausing polling stops resource calls until resumed")
    func pausePolling() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        let manager = manager(service, resource: true)
        try await running(manager) {
            #expect(service.resourceCalls.count == 1)
            await manager.perform(.togglePolling(client: "mod-client"))
            #expect(await client(manager).pollingPaused)
            clock.advance(by: 30)
            await manager.settled()
            #expect(service.resourceCalls.count == 1)
            await manager.perform(.togglePolling(client: "mod-client"))
            await manager.settled()
            #expect(service.resourceCalls.count == 2)
        }
    }

    @Test("the history keeps only the configured number of fetches")
    func boundedHistory() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        let manager = manager(service, historySize: 3)
        for _ in 0..<5 { await manager.perform(.refresh(client: "mod-client")) }
        #expect(await client(manager).history.count == 3)
    }

    @Test("a fleet's first fetches are staggered, 50 ms a client, never all in one second")
    func startupStagger() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        let manager = fleet(of: 40, sharing: service)
        try await running(manager) {
            #expect(service.tokenRequests == 1) // client-0 at once; the others wait their turn
            #expect(await manager.nextWakeUp() == clock.now() + 0.05)
            clock.advance(by: 1)
            await manager.settled()
            #expect(service.tokenRequests == 21) // 40 clients over 2 s: 20 a second
            clock.advance(by: 1)
            await manager.settled()
            #expect(service.tokenRequests == 40)
        }
    }

    @Test("a large fleet spreads its first fetches over 30 s: 3.3% a second, under the 5% goal with room to spare")
    func startupStaggerCap() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        let manager = fleet(of: 1_200, sharing: service)
        try await running(manager) {
            var perSecond: [Int] = []
            var before = service.tokenRequests
            for _ in 0..<31 {
                clock.advance(by: 1)
                await manager.settled()
                perSecond.append(service.tokenRequests - before)
                before = service.tokenRequests
            }
            #expect(service.tokenRequests == 1_200)
            #expect(perSecond.max()! <= 41, "at most 1,200 / 30 s (+1) in any second: \(perSecond)")
        }
    }

    @Test("claim changes name what differs and ignore per-token timestamps")
    func claimChanges() {
        let changes = TokenManager.claimChanges(
            from: ["iat": .number(1), "scope": .string("a"), "kid": .string("k1"), "old": .bool(true)],
            to: ["iat": .number(2), "scope": .string("a b"), "kid": .string("k1"), "new": .bool(true)])
        #expect(changes == ["+new", "-old", "~scope"])
    }

    /// A manager over `count` clients of one fake server.
    func fleet(of count: Int, sharing service: FakeAuthorizationService) -> TokenManager {
        let registrations = (0..<count).map { index in
            TokenManager.Registration(
                configuration: ClientConfiguration(
                    name: "client-\(index)", tokenURI: URL(string: "http://127.0.0.1:1/token"), clientID: "id",
                    clientSecret: .inline("secret")),
                service: service)
        }
        return TokenManager(registrations: registrations, clock: clock, random: { 0 })
    }

    /// Runs the manager while `body` runs, after its first settled point; stops it after.
    // MARK: - The verdict is derived

    @Test("a routine refresh keeps the verdict ok: the event log has no passage through pending")
    func routineRefreshStaysOK() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 300)])
        let manager = manager(service, skew: .seconds(60))
        try await running(manager) {
            clock.advance(by: 241)
            await manager.settled()
            #expect(service.tokenRequests == 2)
            let changes = await manager.snapshot().recentEvents.compactMap { event -> HealthState? in
                if case .healthChanged(_, let to) = event.kind { return to.state } else { return nil }
            }
            #expect(changes == [.pending, .ok], "only the first token's arrival changes the verdict: \(changes)")
        }
    }

    @Test("a token whose key is not published is replaced at once, then under backoff; ok again when one verifies")
    func unverifiableTokenReplaced() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        let gone = SignatureVerdict(.failed, "kid \"k1\" is not in the key set", failure: .keyNotPublished)
        service.scriptVerdicts([gone, gone])
        let manager = manager(service, random: 1)
        try await running(manager) {
            // The first token failed; its replacement was fetched at once and failed too.
            #expect(service.tokenRequests == 2)
            let verdict = await health(manager)
            #expect(verdict.state == .degraded)
            #expect(verdict.reason.contains("key rotation"))
            // The next replacement waits for the backoff (attempt 2: up to 2 s), then verifies.
            clock.advance(by: 2)
            await manager.settled()
            #expect(service.tokenRequests == 3)
            #expect(await health(manager).state == .ok)
            #expect(await client(manager).history.map(\.reason) == [.startup, .verificationFailed, .verificationFailed])
            // Verified: nothing more is fetched until the refresh point.
            clock.advance(by: 60)
            await manager.settled()
            #expect(service.tokenRequests == 3)
        }
    }

    @Test("an iss or aud the configuration does not expect is not a reason to fetch another token")
    func claimsFailureNotReplaced() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        service.scriptVerdicts([SignatureVerdict(.failed, "aud is \"x\", expected \"y\"", failure: .claims)])
        let manager = manager(service)
        try await running(manager) {
            clock.advance(by: 30)
            await manager.settled()
            #expect(service.tokenRequests == 1)
            #expect(await health(manager).state == .error)
        }
    }

    @Test("a verdict waiting for the key set is drawn again at its recheck time, with no key pressed")
    func checkingVerdictSettles() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        service.scriptVerdicts([
            SignatureVerdict(
                .checking, "kid \"k2\" is not in the key set as last fetched; a new key?",
                recheckAt: clock.now().addingTimeInterval(20))
        ])
        let manager = manager(service)
        try await running(manager) {
            #expect(await health(manager).state == .pending)
            #expect(await health(manager).reason.hasSuffix("key set refetch in 20s"))
            clock.advance(by: 20)
            await manager.settled()
            #expect(service.verifications == 2)
            #expect(await health(manager).state == .ok)
            #expect(service.tokenRequests == 1)
        }
    }

    func running(_ manager: TokenManager, _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await manager.run() }
            await manager.settled()
            try await body()
            group.cancelAll()
        }
    }
}
