import Foundation
import TokenModel

/// What a client knows of its servers, for diagnosis.
public struct ServerDiagnostics: Sendable, Equatable {
    public var clockReadings: [ClockReading]
    public var keySet: KeySetStatus?
    /// When the key set should be looked at again.
    public var keySetStaleAt: Date?
    /// How many times the key set was fetched successfully: a verdict drawn from an earlier
    /// revision is out of date.
    public var keySetRevision: Int
    /// The rate-limit budget the token endpoint stated in its latest answer to this client.
    public var tokenEndpointBudget: RateLimitBudget?
    /// The client's own credentials that have an end, as read now (`CredentialInventory`).
    public var credentials: [CredentialExpiry]

    public init(
        clockReadings: [ClockReading] = [], keySet: KeySetStatus? = nil, keySetStaleAt: Date? = nil, keySetRevision: Int = 0,
        tokenEndpointBudget: RateLimitBudget? = nil, credentials: [CredentialExpiry] = []
    ) {
        self.tokenEndpointBudget = tokenEndpointBudget
        self.credentials = credentials
        self.clockReadings = clockReadings
        self.keySet = keySet
        self.keySetStaleAt = keySetStaleAt
        self.keySetRevision = keySetRevision
    }
}
