import Foundation
import Testing

@testable import TokenLifecycle

@Suite("When a token is refreshed and how failures back off")
struct RefreshPolicyTests {
    let issued = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("an hour-long token refreshes when the skew is reached")
    func hourLongToken() {
        let policy = RefreshPolicy(skew: .seconds(60))
        let at = policy.refreshAt(issuedAt: issued, expiresAt: issued + 3600, refreshIn: nil, jitter: 0)
        #expect(at == issued + 3540)
    }

    @Test("a 30-second token with a 60-second skew refreshes at 80% of its life, not in a loop")
    func shortTokenDoesNotLoop() {
        let policy = RefreshPolicy(skew: .seconds(60))
        let at = policy.refreshAt(issuedAt: issued, expiresAt: issued + 30, refreshIn: nil, jitter: 0)
        #expect(at == issued + 24)
    }

    @Test("jitter only ever moves the refresh earlier, by at most 5% of the lifetime")
    func jitterIsBounded() {
        let policy = RefreshPolicy(skew: .seconds(60))
        let earliest = policy.refreshAt(issuedAt: issued, expiresAt: issued + 3600, refreshIn: nil, jitter: 1)
        #expect(earliest == issued + 3600 - 60 - 30) // 5% of an hour is 180 s, capped at 30 s
        let short = policy.refreshAt(issuedAt: issued, expiresAt: issued + 30, refreshIn: nil, jitter: 1)
        #expect(short == issued + 30 - 6 - 1.5)
    }

    @Test("a server's refresh_in wins over the skew")
    func refreshInWins() {
        let policy = RefreshPolicy(skew: .seconds(60))
        let at = policy.refreshAt(issuedAt: issued, expiresAt: issued + 3600, refreshIn: .seconds(1800), jitter: 1)
        #expect(at == issued + 1800)
    }

    @Test("a token of unknown lifetime has no refresh point")
    func unknownLifetime() {
        #expect(RefreshPolicy(skew: .seconds(60)).refreshAt(issuedAt: issued, expiresAt: nil, refreshIn: nil, jitter: 0) == nil)
    }

    @Test("backoff doubles from 1 s, with full jitter, up to 5 minutes")
    func backoffDoublesAndCaps() {
        let backoff = BackoffPolicy()
        #expect(backoff.delay(attempt: 1, retryAfter: nil, random: 1) == .seconds(1))
        #expect(backoff.delay(attempt: 2, retryAfter: nil, random: 1) == .seconds(2))
        #expect(backoff.delay(attempt: 4, retryAfter: nil, random: 1) == .seconds(8))
        #expect(backoff.delay(attempt: 4, retryAfter: nil, random: 0.5) == .seconds(4))
        #expect(backoff.delay(attempt: 30, retryAfter: nil, random: 1) == .seconds(300))
        #expect(backoff.delay(attempt: 3, retryAfter: nil, random: 0) == .milliseconds(250))
    }

    @Test("Retry-After is honoured even when the drawn wait is shorter")
    func retryAfterHonoured() {
        let backoff = BackoffPolicy()
        #expect(backoff.delay(attempt: 1, retryAfter: .seconds(30), random: 1) == .seconds(30))
        #expect(backoff.delay(attempt: 10, retryAfter: .seconds(2), random: 1) == .seconds(300))
    }

    @Test("refresh_in can neither spin nor outlast the skew point")
    func refreshInBounded() {
        let policy = RefreshPolicy(skew: .seconds(60))
        #expect(
            policy.refreshAt(issuedAt: issued, expiresAt: issued + 3600, refreshIn: .milliseconds(1), jitter: 0) == issued + 1)
        #expect(
            policy.refreshAt(issuedAt: issued, expiresAt: issued + 3600, refreshIn: .seconds(4000), jitter: 0) == issued + 3540)
    }

    @Test("an absurd Retry-After is capped at an hour instead of stalling the client")
    func retryAfterCapped() {
        #expect(BackoffPolicy().delay(attempt: 1, retryAfter: .seconds(99_999_999_999), random: 1) == .seconds(3600))
    }
}
