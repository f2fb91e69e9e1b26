import Foundation

/// Something that happened to a client, in the order it happened: the one feed for metrics,
/// the event log and `--events-file`. Carries no token and no secret.
public struct ManagerEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case tokenFetched(reason: FetchReason, latency: Duration, expiresAt: Date?)
        case tokenFailed(reason: FetchReason, latency: Duration, error: OAuthError)
        case resourceCalled(ResourceResponse)
        case signatureChecked(SignatureVerdict)
        case introspected(active: Bool)
        case healthChanged(from: HealthVerdict?, to: HealthVerdict)
        /// An operator's action and how it ended.
        case operatorAction(ActionRecord)
    }

    public var at: Date
    public var client: String
    public var kind: Kind

    public init(at: Date, client: String, kind: Kind) {
        self.at = at
        self.client = client
        self.kind = kind
    }
}
