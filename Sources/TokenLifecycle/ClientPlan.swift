import Foundation
import TokenModel

/// What a client's scheduler does next, decided from its facts alone (no I/O, no clock but
/// `now`), so every rule is tested exactly: fetch a token, settle a verdict that waits for
/// the key set, look at the key set again, or wait until the earliest of those is due.
enum ClientPlan: Equatable {
    enum Step: Equatable {
        case fetch(FetchReason)
        /// Verify the held token again: its verdict waits for a key-set refetch that is due.
        case reverify
        /// Fetch the key set again: its copy is stale, or the operator asked (`d`).
        case lookAtKeySet
    }

    case run(Step)
    /// Nothing due: wait until then (nil: until something wakes the scheduler).
    case wait(until: Date?)
}

extension ClientRuntime {
    /// The next step at `now`. A fetch comes first, then a verdict waiting for its recheck,
    /// then the key set; otherwise a wait until the earliest of them.
    func plan(at now: Date) -> ClientPlan {
        let token = tokenPlan(at: now)
        if case .run = token { return token }
        var wakes: [Date] = []
        if case .wait(let until?) = token { wakes.append(until) }
        if let recheckAt = verdictRecheckAt {
            if recheckAt <= now { return .run(.reverify) }
            wakes.append(recheckAt)
        }
        if let look = nextKeySetLook {
            if look <= now { return .run(.lookAtKeySet) }
            wakes.append(look)
        }
        return .wait(until: wakes.min())
    }

    /// When the held token's verdict is to be drawn again: it waits for a key set that may be
    /// fetched only then (a `kid` newer than the copy, a key set out of reach).
    var verdictRecheckAt: Date? {
        guard token != nil else { return nil }
        return verdict?.recheckAt
    }

    /// When the key set is looked at again: when its copy goes stale (its max-age), never
    /// sooner than the refetch floor after the last look; or when the operator's request for a
    /// refetch is allowed.
    var nextKeySetLook: Date? {
        guard diagnostics.keySet != nil else { return nil }
        let floor = lastKeySetLook.map { $0.addingTimeInterval(KeySetStatus.minimumRefetchInterval.timeInterval) }
        let stale = diagnostics.keySetStaleAt.map { staleAt in floor.map { max(staleAt, $0) } ?? staleAt }
        return [stale, keySetRefetchRequestedFor].compactMap { $0 }.min()
    }

    /// The token's part: fetch at start-up (spread), at the refresh point, after a failure
    /// under backoff, or to replace a token that failed verification; wake at the expiry too,
    /// so the verdict turns to expired on time.
    func tokenPlan(at now: Date) -> ClientPlan {
        if retriesHalted || revoked { return .wait(until: nil) }
        // Monitoring only: one token at startup, then only on a key press.
        if configuration.refreshMode == .manual && !history.isEmpty { return .wait(until: expiryWake(now)) }
        if let nextRetryAt {
            return nextRetryAt <= now ? .run(.fetch(.retry)) : .wait(until: earliest(nextRetryAt, expiryWake(now)))
        }
        if usableToken(at: now) != nil {
            if let replaceTokenAt, replaceTokenAt <= now { return .run(.fetch(.verificationFailed)) }
            guard let refreshAt else { return .wait(until: [replaceTokenAt, expiryWake(now)].compactMap { $0 }.min()) }
            if refreshAt <= now { return .run(.fetch(.scheduled)) }
            return .wait(until: [refreshAt, replaceTokenAt, expiryWake(now)].compactMap { $0 }.min())
        }
        if history.isEmpty, let firstFetchNotBefore, firstFetchNotBefore > now { return .wait(until: firstFetchNotBefore) }
        return .run(.fetch(history.isEmpty ? .startup : .scheduled))
    }

    /// The expiry of the held token while it is in the future.
    private func expiryWake(_ now: Date) -> Date? {
        token?.expiresAt.flatMap { $0 > now ? $0 : nil }
    }

    private func earliest(_ first: Date, _ second: Date?) -> Date {
        second.map { min(first, $0) } ?? first
    }
}
