import Foundation

/// Wall-clock time and sleeping, injected so that refresh, backoff and countdown rules can
/// be tested instantly and exactly.
public protocol TokenClock: Sendable {
    /// The current wall-clock time (token times are wall-clock: `exp`, `iat`).
    func now() -> Date
    /// Suspends until `deadline`, or earlier (callers check the time when woken); throws
    /// `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The real clock.
public struct SystemClock: TokenClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        // At most a day at a time: callers look again when woken, and a far deadline (a
        // server's absurd exp) must not overflow the timer.
        let interval = min(deadline.timeIntervalSinceNow, 86400)
        if interval > 0 { try await Task.sleep(for: .seconds(interval)) } else { try Task.checkCancellation() }
    }
}
