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
        /// A key appeared in or left the key set at `source` (the issuer's JWKS URL).
        case keySetChanged(source: String, change: KeySetChange)
        /// A server's clock was first seen off by more than the verification leeway.
        case clockSkewDetected(ClockReading)
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

extension ManagerEvent {
    /// The event as one JSON object: the line `--events-file` writes and `check --json` lists.
    /// Never holds a token or a secret (events carry none).
    public var json: JSONValue {
        var object: [String: JSONValue] = ["at": .string(TimeText.iso8601(at)), "client": .string(client)]
        func milliseconds(_ duration: Duration) -> JSONValue { .number(Double(Int((duration.timeInterval * 1000).rounded()))) }
        switch kind {
        case .tokenFetched(let reason, let latency, let expiresAt):
            object["event"] = .string("token_fetched")
            object["reason"] = .string(reason.rawValue)
            object["latency_ms"] = milliseconds(latency)
            if let expiresAt { object["expires_at"] = .string(TimeText.iso8601(expiresAt)) }
        case .tokenFailed(let reason, let latency, let error):
            object["event"] = .string("token_failed")
            object["reason"] = .string(reason.rawValue)
            object["latency_ms"] = milliseconds(latency)
            object["error"] = .object(["code": .string(error.code), "description": .string(error.description)])
        case .resourceCalled(let response):
            object["event"] = .string("api_called")
            if let status = response.status { object["status"] = .number(Double(status)) }
            if let failure = response.failure { object["error"] = .string(failure.description) }
            object["latency_ms"] = milliseconds(response.latency)
        case .signatureChecked(let verdict):
            object["event"] = .string("signature_checked")
            object["status"] = .string(verdict.status.rawValue)
            object["detail"] = .string(verdict.reason)
        case .introspected(let active):
            object["event"] = .string("introspected")
            object["active"] = .bool(active)
        case .healthChanged(let from, let to):
            object["event"] = .string("verdict_changed")
            if let from { object["from"] = .string(from.state.rawValue) }
            object["to"] = .string(to.state.rawValue)
            object["detail"] = .string(to.reason)
        case .operatorAction(let record):
            object["event"] = .string("operator_action")
            object["action"] = .string(record.action.rawValue)
            object["succeeded"] = .bool(record.succeeded)
            object["detail"] = .string(record.outcome)
        case .keySetChanged(let source, let change):
            object["event"] = .string("key_\(change.kind.rawValue)")
            object["jwks_uri"] = .string(source)
            if let kid = change.kid { object["kid"] = .string(kid) }
        case .clockSkewDetected(let reading):
            object["event"] = .string("clock_skew")
            object["server"] = .string(reading.server)
            object["offset_seconds"] = .number(reading.offset.isFinite ? (reading.offset * 10).rounded() / 10 : 0)
            object["detail"] = .string(reading.summary)
        }
        return .object(object)
    }
}
