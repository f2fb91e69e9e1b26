import Foundation
import Testing
import TokenModel

@Suite("The token endpoint's budget as a verdict reads it")
struct RateLimitBudgetModelTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func budget(remaining: Int, limit: Int = 600, resetIn: TimeInterval? = 38) -> RateLimitBudget {
        RateLimitBudget(
            issuer: "https://idp.test", endpoint: "https://idp.test/v1/token", limit: limit, remaining: remaining,
            resetAt: resetIn.map { now.addingTimeInterval($0) }, observedAt: now, style: .okta)
    }

    @Test("under 10 % left is low; 10 % is not", arguments: [(59, true), (60, false), (0, true), (600, false)])
    func lowMark(remaining: Int, low: Bool) {
        #expect(budget(remaining: remaining).isLow(at: now) == low)
    }

    @Test("a reset in the past means the bucket is full again: no longer low, and the text says it reset")
    func afterReset() {
        let drained = budget(remaining: 0)
        #expect(!drained.isLow(at: now.addingTimeInterval(38)))
        #expect(drained.summary(at: now.addingTimeInterval(45)) == "0/600 left, reset 7s ago")
        // Without a reset the last answer stands.
        #expect(budget(remaining: 0, resetIn: nil).isLow(at: now.addingTimeInterval(3600)))
    }

    @Test("a held token with a low budget is degraded, with the budget and the heaviest client in the reason")
    func degradedByBudget() {
        var drained = budget(remaining: 12)
        drained.heaviestClient = "noisy"
        drained.heaviestClientRequests = 540
        let issued = now.addingTimeInterval(-60)
        var client = ClientSnapshot(
            name: "quiet", state: .valid,
            token: TokenSummary(
                masked: "eyJh…Qw", tokenType: "Bearer", decoded: DecodedToken(format: .opaque, header: [:], claims: [:]),
                issuedAt: issued, expiresAt: issued.addingTimeInterval(3600), refreshAt: issued.addingTimeInterval(3000),
                scopes: [], verdict: SignatureVerdict(.notChecked, "no key set"), extraFields: [:]))
        #expect(client.health(at: now).state == .ok)
        client.tokenEndpointBudget = drained
        let health = client.health(at: now)
        #expect(health.state == .degraded)
        #expect(
            health.reason
                == "token endpoint budget low: 12/600 left, resets in 38s; most requests: noisy (540 in the last minute)")
        #expect(client.health(at: now.addingTimeInterval(40)).state == .ok)
    }

    @Test("a rate-limited client that still holds a token says when it tries again, not \"refresh failing\"")
    func rateLimitedWithToken() {
        let issued = now.addingTimeInterval(-60)
        var client = ClientSnapshot(
            name: "noisy", state: .valid,
            token: TokenSummary(
                masked: "eyJh…Qw", tokenType: "Bearer", decoded: DecodedToken(format: .opaque, header: [:], claims: [:]),
                issuedAt: issued, expiresAt: issued.addingTimeInterval(3600), refreshAt: issued.addingTimeInterval(3000),
                scopes: [], verdict: SignatureVerdict(.notChecked, "no key set"), extraFields: [:]),
            lastError: .server(
                code: "rate_limit_exceeded", description: nil, uri: nil, endpoint: "https://idp.test/v1/token", httpStatus: 429,
                retryAfter: .seconds(38)),
            nextRetryAt: now.addingTimeInterval(38))
        client.tokenEndpointBudget = budget(remaining: 0)
        let health = client.health(at: now)
        #expect(health.state == .degraded)
        #expect(
            health.reason
                == "rate limited: next try in 38s (token endpoint: 0/600 left, resets in 38s) — current token valid 59m")
    }
}
