import Foundation
import TokenModel

/// When a held token should be replaced.
public struct RefreshPolicy: Sendable, Equatable {
    /// Refresh when less than this remains.
    public var skew: Duration
    /// The skew never takes more than this share of a token's lifetime, so a token shorter
    /// than the skew is still used for most of its life instead of refreshed in a loop.
    public var maximumSkewFraction: Double = 0.2
    /// Up to this share of the lifetime (and at most `maximumJitter`) is taken off at random,
    /// so that many clients started together do not refresh together.
    public var jitterFraction: Double = 0.05
    public var maximumJitter: Duration = .seconds(30)

    public init(skew: Duration) {
        self.skew = skew
    }

    /// The refresh point of a token, or nil when its lifetime is unknown.
    /// - Parameter jitter: a number in 0...1, drawn once per token.
    public func refreshAt(issuedAt: Date, expiresAt: Date?, refreshIn: Duration?, jitter: Double) -> Date? {
        let bySkew = expiresAt.map { expiresAt -> Date in
            let lifetime = max(0, expiresAt.timeIntervalSince(issuedAt))
            let effectiveSkew = min(skew.timeInterval, lifetime * maximumSkewFraction)
            let spread = min(lifetime * jitterFraction, maximumJitter.timeInterval) * min(max(jitter, 0), 1)
            return expiresAt.addingTimeInterval(-(effectiveSkew + spread))
        }
        if let refreshIn {
            // The server knows best: `refresh_in` wins, but never after the skew point (so a
            // token is always held) and never sooner than a second (so it cannot spin).
            let hinted = issuedAt.addingTimeInterval(max(refreshIn.timeInterval, 1))
            return bySkew.map { min($0, hinted) } ?? hinted
        }
        return bySkew
    }
}

/// Exponential backoff with full jitter (1 s doubling up to 5 min), with `Retry-After`
/// honoured when the server gives one.
public struct BackoffPolicy: Sendable, Equatable {
    public var base: Duration = .seconds(1)
    public var cap: Duration = .seconds(300)
    /// Full jitter can draw a zero wait; this floor keeps a failing client from spinning.
    public var floor: Duration = .milliseconds(250)

    public init() {}

    /// The wait before retry number `attempt` (1 for the first retry).
    /// - Parameter random: a number in 0...1.
    public func delay(attempt: Int, retryAfter: Duration?, random: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let ceiling = min(cap.timeInterval, base.timeInterval * pow(2, Double(exponent)))
        let drawn = max(floor.timeInterval, ceiling * min(max(random, 0), 1))
        // Retry-After is honoured, but never beyond an hour: a larger one is a server bug.
        let wait = min(max(drawn, retryAfter?.timeInterval ?? 0), 3600)
        return .milliseconds(Int64((wait * 1000).rounded()))
    }

    /// The wait after a 429: until the budget's reset or `Retry-After` (`retryAfter`), not a
    /// drawn backoff on top, which would leave the window unused or hit it again early. Blind
    /// backoff only when the server said neither.
    public func delay(afterRateLimit retryAfter: Duration?, attempt: Int, random: Double) -> Duration {
        guard let retryAfter else { return delay(attempt: attempt, retryAfter: nil, random: random) }
        let wait = min(max(floor.timeInterval, retryAfter.timeInterval), 3600)
        return .milliseconds(Int64((wait * 1000).rounded()))
    }
}
