import Foundation
import Synchronization
import TokenModel

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
    /// When set, a rotation removes the old key from the JWKS at once instead of keeping it for
    /// the overlap, so tokens it signed stop verifying wherever the key set is fetched again.
    public var breakingRotation: Bool
    /// How far the authorization server's clock is off (positive: ahead). Its `iat`, `nbf` and
    /// `exp`, its judgement of expiry, and its `Date` header all follow that clock.
    public var clockOffset: Duration
    /// When set, `/mod` accepts only tokens with this `aud`, instead of the audience the
    /// authorization server issues.
    public var resourceExpectedAudience: String?
    /// When set, `/mod` accepts only tokens with this `iss`, instead of the demo's issuer.
    public var resourceExpectedIssuer: String?
    /// When set, both servers ask DPoP proofs for their nonce (`use_dpop_nonce`, RFC 9449 §8, §9).
    public var dpopNonceRequired: Bool

    /// Faults as given; the defaults are none at all.
    public init(
        latency: Duration = .zero, tokenErrorRate: Double = 0, tokenFaultKind: TokenFaultKind = .unavailable,
        retryAfterSeconds: Int = 2, resourceDown: Bool = false, rotateKeysEvery: Duration? = nil,
        breakingRotation: Bool = false, clockOffset: Duration = .zero, resourceExpectedAudience: String? = nil,
        resourceExpectedIssuer: String? = nil, dpopNonceRequired: Bool = false
    ) {
        self.dpopNonceRequired = dpopNonceRequired
        self.breakingRotation = breakingRotation
        self.clockOffset = clockOffset
        self.resourceExpectedAudience = resourceExpectedAudience
        self.resourceExpectedIssuer = resourceExpectedIssuer
        self.latency = latency
        self.tokenErrorRate = tokenErrorRate
        self.tokenFaultKind = tokenFaultKind
        self.retryAfterSeconds = retryAfterSeconds
        self.resourceDown = resourceDown
        self.rotateKeysEvery = rotateKeysEvery
    }

    /// The longest latency the flags and the admin endpoint accept.
    public static let longestLatency: Duration = .seconds(60)

    /// The largest clock offset, either way, the flags and the admin endpoint accept.
    public static let largestClockOffset: Duration = .seconds(365 * 24 * 3600)

    /// What each numeric fault may be: the command line, the options and the admin endpoint
    /// each read the fault in their own spelling and check it against these, never a copy.
    public enum Allowed {
        public static let latency = Duration.zero...DemoFaults.longestLatency
        public static let tokenErrorRate = 0.0...1.0
        public static let retryAfterSeconds = 0...3600
        public static let rotateKeysEvery = Duration.seconds(1)...Duration.longestConfigurable
    }

    /// No faults at all.
    public static let none = DemoFaults()
}

/// The authorization server's clock: the demo's clock moved by the `clockOffset` fault in force.
struct OffsetClock: TokenClock {
    let base: any TokenClock
    let faults: FaultSwitch

    func now() -> Date { base.now().addingTimeInterval(faults.current.clockOffset.timeInterval) }

    func sleep(until deadline: Date) async throws {
        try await base.sleep(until: deadline.addingTimeInterval(-faults.current.clockOffset.timeInterval))
    }
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
