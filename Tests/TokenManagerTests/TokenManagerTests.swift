import Foundation
import OAuthClient
import TokenConfig
import Testing
@testable import TokenManager
import TokenModel
import TokenTesting

@Suite("The token manager's lifecycle, with an injected clock")
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

    @Test("a token is fetched at startup and shown as valid with its refresh point")
    func startupFetch() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        let manager = manager(service)
        await manager.start()
        try await eventually("the first token") { await client(manager).state == .valid }
        let snapshot = await client(manager)
        #expect(snapshot.token?.refreshAt == clock.now() + 3540)
        #expect(snapshot.history.map(\.reason) == [.startup])
        #expect(snapshot.token?.masked == "fake…-1")
        await manager.stop()
    }

    @Test("a 30-second token is refreshed automatically at 24 s, not before")
    func scheduledRefresh() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 30)])
        let manager = manager(service)
        await manager.start()
        try await eventually("the first token") { await client(manager).state == .valid }
        try await eventually("the scheduler to sleep") { clock.nextDeadline != nil }
        clock.advance(by: 23)
        try await Task.sleep(for: .milliseconds(50))
        #expect(service.tokenRequests == 1)
        clock.advance(by: 1)
        try await eventually("the scheduled refresh") { await client(manager).history.count == 2 }
        #expect(await client(manager).history.last?.reason == .scheduled)
        #expect(service.tokenRequests == 2)
        await manager.stop()
    }

    @Test("a failing token endpoint is retried with exponential backoff")
    func backoffOnFailure() async throws {
        let failure = OAuthError.server(code: "server_error", description: nil, uri: nil, endpoint: "token", httpStatus: 500)
        let service = FakeAuthorizationService(
            clock: clock, outcomes: [.failure(failure), .failure(failure), .token(lifetime: 3600)])
        let manager = manager(service, random: 1)
        await manager.start()
        try await eventually("the first failure") { await client(manager).state == .error }
        #expect(await client(manager).nextRetryAt == clock.now() + 1)
        try await eventually("the scheduler to sleep") { clock.nextDeadline != nil }
        clock.advance(by: 1)
        try await eventually("the second failure") { await client(manager).history.count == 2 }
        #expect(await client(manager).nextRetryAt == clock.now() + 2)
        #expect(await client(manager).history.last?.reason == .retry)
        try await eventually("the scheduler to sleep") { clock.nextDeadline != nil }
        clock.advance(by: 2)
        try await eventually("recovery") { await client(manager).state == .valid }
        #expect(await client(manager).lastError == nil)
        await manager.stop()
    }

    @Test("Retry-After from the server sets the next attempt")
    func retryAfter() async throws {
        let failure = OAuthError.httpStatus(503, summary: "HTTP 503", endpoint: "token", retryAfter: .seconds(120))
        let service = FakeAuthorizationService(clock: clock, outcomes: [.failure(failure)])
        let manager = manager(service, random: 1)
        await manager.start()
        try await eventually("the failure") { await client(manager).state == .error }
        #expect(await client(manager).nextRetryAt == clock.now() + 120)
        await manager.stop()
    }

    @Test("invalid_client stops automatic retries until a manual refresh")
    func invalidClientHalts() async throws {
        let rejected = OAuthError.server(
            code: "invalid_client", description: "bad secret", uri: nil, endpoint: "token", httpStatus: 401)
        let service = FakeAuthorizationService(clock: clock, outcomes: [.failure(rejected), .token(lifetime: 3600)])
        let manager = manager(service)
        await manager.start()
        try await eventually("the rejection") { await client(manager).retriesHalted }
        clock.advance(by: 3600)
        try await Task.sleep(for: .milliseconds(50))
        #expect(service.tokenRequests == 1)
        await manager.perform(.refresh(client: "mod-client"))
        #expect(service.tokenRequests == 2)
        #expect(await client(manager).state == .valid)
        #expect(await client(manager).history.map(\.reason) == [.startup, .manual])
        await manager.stop()
    }

    @Test("while refresh fails the still-valid token is used, and never once it has expired")
    func keepsValidTokenNeverExpired() async throws {
        let failure = OAuthError.transport("connection refused", endpoint: "token")
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 30), .failure(failure)])
        let manager = manager(service, random: 1)
        await manager.start()
        try await eventually("the first token") { await client(manager).state == .valid }
        let first = try await manager.validToken(for: "mod-client")
        try await eventually("the scheduler to sleep") { clock.nextDeadline != nil }
        clock.advance(by: 24)
        try await eventually("the failed refresh") { await client(manager).history.count == 2 }
        #expect(await client(manager).state == .refreshDue)
        #expect(try await manager.validToken(for: "mod-client") == first)
        await manager.stop()
        clock.advance(to: Date(timeIntervalSince1970: clock.now().timeIntervalSince1970 + 10))
        #expect(await client(manager).state == .error)
        await #expect(throws: OAuthError.self) { try await manager.validToken(for: "mod-client") }
    }

    @Test("a token that has already expired on arrival is a failure under backoff, never handed out")
    func expiredOnArrival() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: -5)])
        let manager = manager(service, random: 1)
        await manager.start()
        try await eventually("the failure") { await client(manager).state == .error }
        let snapshot = await client(manager)
        #expect(snapshot.lastError?.description.contains("already expired on arrival") == true)
        #expect(snapshot.nextRetryAt == clock.now() + 1)
        try await Task.sleep(for: .milliseconds(50))
        #expect(service.tokenRequests == 1)
        await manager.stop()
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
        await manager.start()
        try await eventually("the forced refresh to fail") { await client(manager).retriesHalted }
        #expect(service.tokenRequests == 2)
        try await eventually("the poller to sleep") { clock.sleeperCount >= 1 }
        clock.advance(by: 10)
        try await eventually("the next poll") { service.resourceCalls.count >= 2 }
        try await Task.sleep(for: .milliseconds(50))
        #expect(service.tokenRequests == 2)
        await manager.stop()
    }

    @Test("concurrent callers share one token request")
    func sharedInFlight() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        service.closeGate()
        let manager = manager(service)
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<10 { group.addTask { try await manager.validToken(for: "mod-client") } }
            try await eventually("the request to reach the server") { service.waitingAtGate == 1 }
            try await Task.sleep(for: .milliseconds(20))
            service.openGate()
            var tokens: [String] = []
            for try await token in group { tokens.append(token) }
            return tokens
        }
        #expect(service.tokenRequests == 1)
        #expect(Set(tokens).count == 1)
    }

    @Test("a manual refresh replaces a valid token and is recorded in the history")
    func manualRefresh() async throws {
        let service = FakeAuthorizationService(
            clock: clock, outcomes: [.token(lifetime: 3600), .token(lifetime: 3600, scope: "custom_mod extra")])
        let manager = manager(service)
        await manager.start()
        try await eventually("the first token") { await client(manager).state == .valid }
        let before = await client(manager).token?.masked
        await manager.perform(.refresh(client: "mod-client"))
        let after = await client(manager)
        #expect(after.token?.masked != before)
        #expect(after.history.map(\.reason) == [.startup, .manual])
        #expect(after.history.last?.claimChanges == ["~scope"])
        await manager.stop()
    }

    @Test("refresh: manual fetches once and then only on a key press")
    func manualMode() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 30)])
        let manager = manager(service, refresh: .manual)
        await manager.start()
        try await eventually("the first token") { await client(manager).token != nil }
        #expect(await client(manager).token?.refreshAt == nil)
        clock.advance(by: 60)
        try await Task.sleep(for: .milliseconds(50))
        #expect(service.tokenRequests == 1)
        #expect(await client(manager).state == .expired)
        await manager.stop()
    }

    @Test("revoke revokes at the server, drops the token and does not fetch another by itself")
    func revokeDrops() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        let manager = manager(service)
        await manager.start()
        try await eventually("the first token") { await client(manager).state == .valid }
        await manager.perform(.revoke(client: "mod-client"))
        #expect(service.revokedTokens == ["fake-access-token-number-1"])
        #expect(await client(manager).token == nil)
        #expect(await client(manager).state == .noToken)
        clock.advance(by: 600)
        try await Task.sleep(for: .milliseconds(50))
        #expect(service.tokenRequests == 1)
        await manager.stop()
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
        await manager.start()
        try await eventually("the retried call") { await client(manager).responses.count == 2 }
        let snapshot = await client(manager)
        #expect(snapshot.responses.map(\.status) == [401, 200])
        #expect(snapshot.responses.last?.wasRetry == true)
        #expect(snapshot.history.map(\.reason) == [.startup, .retryAfter401])
        #expect(service.resourceCalls == ["fake-access-token-number-1", "fake-access-token-number-2"])
        await manager.stop()
    }

    @Test("pausing polling stops resource calls until resumed")
    func pausePolling() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        let manager = manager(service, resource: true)
        await manager.start()
        try await eventually("the first call") { service.resourceCalls.count == 1 }
        await manager.perform(.togglePolling(client: "mod-client"))
        #expect(await client(manager).pollingPaused)
        try await eventually("the poller to sleep") { clock.sleeperCount >= 2 }
        clock.advance(by: 30)
        try await Task.sleep(for: .milliseconds(50))
        #expect(service.resourceCalls.count == 1)
        await manager.stop()
    }

    @Test("the history keeps only the configured number of fetches")
    func boundedHistory() async throws {
        let service = FakeAuthorizationService(clock: clock, outcomes: [.token(lifetime: 3600)])
        let manager = manager(service, historySize: 3)
        for _ in 0..<5 { await manager.perform(.refresh(client: "mod-client")) }
        #expect(await client(manager).history.count == 3)
    }

    @Test("claim changes name what differs and ignore per-token timestamps")
    func claimChanges() {
        let changes = TokenManager.claimChanges(
            from: ["iat": .number(1), "scope": .string("a"), "kid": .string("k1"), "old": .bool(true)],
            to: ["iat": .number(2), "scope": .string("a b"), "kid": .string("k1"), "new": .bool(true)])
        #expect(changes == ["+new", "-old", "~scope"])
    }
}
