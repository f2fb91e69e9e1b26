import DemoServer
import Foundation
import OAuthClient
import Testing
import TokenConfig
import TokenModel
import TokenTesting

@testable import TokenLifecycle

/// The token endpoint's budget as the manager keeps it: one fact per issuer and endpoint,
/// shared by every client, with the heaviest user named, and a 429 that waits for the reset.
@Suite("The token endpoint's shared budget", .serialized)
struct RateLimitBudgetTests {
    /// A manager over `names` on a demo whose token endpoint allows `rate`, on a manual clock
    /// 20 s into its minute (the window resets at 1_800_000_060).
    func withBudget(
        _ rate: String, clients names: [String], _ body: (TokenManager, ManualClock) async throws -> Void
    ) async throws {
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_800_000_020))
        var options = DemoServerOptions(clock: clock)
        options.rateLimit = try #require(DemoRateLimit(text: rate))
        let demo = try await DemoEnvironment.start(options)
        let transport = HTTPTransport(environment: [:], now: { clock.now() })
        let result: Result<Void, any Error>
        do {
            let configuration = try demo.configuration()
            let registrations = try names.map { name in
                let client = try #require(configuration.client(named: name))
                return TokenManager.Registration(
                    configuration: client,
                    service: AuthorizationClient(configuration: client, transport: transport, now: { clock.now() }))
            }
            try await body(TokenManager(registrations: registrations, clock: clock), clock)
            result = .success(())
        } catch {
            result = .failure(error)
        }
        await transport.shutdown()
        await demo.shutdown()
        try result.get()
    }

    @Test("one client drains the budget: every client of the issuer is degraded, naming it; the reset lifts it")
    func drainedBudgetWarnsEveryClient() async throws {
        try await withBudget("5/min", clients: ["mod-client", "post-client", "short-lived"]) { manager, clock in
            await manager.perform(.refresh(client: "mod-client"))
            await manager.perform(.refresh(client: "post-client"))
            var snapshot = await manager.snapshot()
            let shared = try #require(snapshot.clients.first?.tokenEndpointBudget)
            #expect(shared.remaining == 3 && shared.limit == 5)
            #expect(snapshot.clients.allSatisfy { !$0.health(at: clock.now()).reason.contains("budget low") })

            for _ in 0..<3 { await manager.perform(.refresh(client: "short-lived")) }
            snapshot = await manager.snapshot()
            let now = clock.now()
            for client in snapshot.clients {
                let budget = try #require(client.tokenEndpointBudget, "\(client.name) has no budget")
                #expect(budget.remaining == 0)
                #expect(budget.heaviestClient == "short-lived" && budget.heaviestClientRequests == 3)
                let health = client.health(at: now)
                #expect(health.state == .degraded, "\(client.name): \(health.reason)")
                #expect(
                    health.reason.contains(
                        "token endpoint budget low: 0/5 left, resets in 40s; most requests: short-lived (3 in the last minute)"),
                    "\(client.name): \(health.reason)")
            }
            // The verdict changed for the clients that sent nothing: the event log says so.
            #expect(
                snapshot.recentEvents.contains { event in
                    if case .healthChanged(_, let to) = event.kind {
                        return event.client == "mod-client" && to.state == .degraded
                    }
                    return false
                })

            clock.advance(to: Date(timeIntervalSince1970: 1_800_000_060))
            let afterReset = await manager.snapshot().clients[0].health(at: clock.now())
            #expect(!afterReset.reason.contains("budget low"), "\(afterReset.reason)")
        }
    }

    @Test("a 429 waits until the budget's reset, not a drawn backoff, and the verdict says so")
    func tooManyRequestsWaitsForReset() async throws {
        try await withBudget("1/min", clients: ["mod-client", "short-lived"]) { manager, clock in
            await manager.perform(.refresh(client: "mod-client"))
            await manager.perform(.refresh(client: "short-lived"))
            let limited = try #require(await manager.snapshot().clients.first { $0.name == "short-lived" })
            #expect(limited.lastError?.httpStatus == 429)
            #expect(limited.nextRetryAt == Date(timeIntervalSince1970: 1_800_000_060))
            let health = limited.health(at: clock.now())
            #expect(health.state == .error)
            #expect(health.reason == "rate limited: next try in 40s (token endpoint: 0/1 left, resets in 40s)")
        }
    }

    @Test("after a 429 the wait is the server's reset or Retry-After exactly; without either, the drawn backoff")
    func rateLimitedDelay() {
        let policy = BackoffPolicy()
        #expect(policy.delay(afterRateLimit: .seconds(38), attempt: 5, random: 1) == .seconds(38))
        #expect(policy.delay(afterRateLimit: .zero, attempt: 1, random: 0) == .milliseconds(250))
        #expect(policy.delay(afterRateLimit: .seconds(7200), attempt: 1, random: 0) == .seconds(3600))
        #expect(
            policy.delay(afterRateLimit: nil, attempt: 3, random: 0.5) == policy.delay(attempt: 3, retryAfter: nil, random: 0.5))
    }
}
