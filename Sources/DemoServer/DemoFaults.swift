import Foundation
import Synchronization

/// How the token endpoint fails when the token error rate strikes.
public enum TokenFaultKind: String, Sendable, Equatable, CaseIterable {
    /// 503 with `Retry-After` and `{"error":"temporarily_unavailable"}`.
    case unavailable
    /// 500 with `{"error":"server_error"}`.
    case serverError = "server_error"
}

/// Faults the demo servers can be told to show, for watching the dashboard cope.
public struct DemoFaults: Sendable, Equatable {
    /// Added before every answer of both servers (the admin endpoints excepted).
    public var latency: Duration
    /// The share of token requests, 0...1, that fail with `tokenFaultKind`.
    public var tokenErrorRate: Double
    /// How a failing token request fails.
    public var tokenFaultKind: TokenFaultKind
    /// `Retry-After` seconds on an `unavailable` answer, from the token or the resource server.
    public var retryAfterSeconds: Int
    /// When set, `/mod` answers 503 with `Retry-After` to everyone.
    public var resourceDown: Bool
    /// When set, the signing key is rotated this often.
    public var rotateKeysEvery: Duration?

    /// Faults as given; the defaults are none at all.
    public init(
        latency: Duration = .zero, tokenErrorRate: Double = 0, tokenFaultKind: TokenFaultKind = .unavailable,
        retryAfterSeconds: Int = 2, resourceDown: Bool = false, rotateKeysEvery: Duration? = nil
    ) {
        self.latency = latency
        self.tokenErrorRate = tokenErrorRate
        self.tokenFaultKind = tokenFaultKind
        self.retryAfterSeconds = retryAfterSeconds
        self.resourceDown = resourceDown
        self.rotateKeysEvery = rotateKeysEvery
    }

    /// The longest latency the flags and the admin endpoint accept.
    public static let longestLatency: Duration = .seconds(60)

    /// No faults at all.
    public static let none = DemoFaults()
}

/// The faults in force, read synchronously on every request.
final class FaultSwitch: Sendable {
    private let state: Mutex<DemoFaults>

    init(_ faults: DemoFaults) { state = Mutex(faults) }

    var current: DemoFaults {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
