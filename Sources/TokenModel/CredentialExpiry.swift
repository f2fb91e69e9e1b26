import Foundation

/// One credential behind a client's token that has an end: a certificate, a secret's end date, a
/// federated assertion's `exp`. Only the facts are kept (what, whose, until when); whether it is
/// close to its end is derived from these and the clock when read (`CredentialExpiry.verdict`).
public struct CredentialExpiry: Sendable, Equatable, Codable {
    /// What kind of credential it is; the raw values are the `kind` label of
    /// `tokentop_credential_expiry_timestamp_seconds` and of `check --json`.
    public enum Kind: String, Sendable, Equatable, CaseIterable, Codable {
        /// The mutual-TLS client certificate (`tls-client-certificate-file`), or a certificate of its chain.
        case certificate
        /// The client secret's end date (`client-secret-expires-at`, `client-registration-file`).
        case secret
        /// A federated client assertion (`client-assertion-file`, `client-assertion-command`).
        case assertion
        /// The certificate of the `private_key_jwt` key (`client-assertion-certificate-file`).
        case keyCertificate = "key_certificate"

        /// How a reason names it: "client certificate expires in 9d04h".
        public var words: String {
            switch self {
            case .certificate: return "client certificate"
            case .secret: return "client secret"
            case .assertion: return "client assertion"
            case .keyCertificate: return "signing key's certificate"
            }
        }
    }

    public var kind: Kind
    /// Whose it is, as safe to show: a certificate's subject (`CN=mod-client`), an assertion's
    /// `sub`, a secret's client id. Never the credential itself.
    public var subject: String
    @UnixTime public var expiresAt: Date
    /// More to show beside it, such as an assertion's `iss` and `aud`; never the credential.
    public var details: [String: String]

    enum CodingKeys: String, CodingKey {
        case kind, subject, details
        case expiresAt = "expires_at"
    }

    public init(kind: Kind, subject: String, expiresAt: Date, details: [String: String] = [:]) {
        self.kind = kind
        self.subject = subject
        self.expiresAt = expiresAt
        self.details = details
    }

    /// `client certificate expires in 9d04h (CN=mod-client)`, `client secret expired 2d01h ago (mod-client)`.
    public func summary(now: Date) -> String {
        let when =
            expiresAt <= now
            ? "expired " + TimeText.relative(expiresAt, now: now) : "expires " + TimeText.relative(expiresAt, now: now)
        let whose = subject.isEmpty ? "" : " (\(TerminalText.sanitize(subject)))"
        return "\(kind.words) \(when)\(whose)"
    }

    /// The standard warning window (`credential-warning`): 14 days.
    public static let standardWarning: Duration = .seconds(14 * 86_400)

    /// The verdict credentials put on their client at `now`: `error` once a certificate or secret
    /// has expired, `degraded` while one is inside `warning` of its end, nil while all are further
    /// out. A federated assertion lives minutes, not days, and is read again for every request:
    /// it is a warning when the one last read ends before the next scheduled refresh
    /// (`nextRefresh`), when a new one will be needed and this one cannot serve.
    public static func verdict(
        _ credentials: [CredentialExpiry], warning: Duration, nextRefresh: Date?, now: Date
    ) -> HealthVerdict? {
        let soonest = credentials.sorted { $0.expiresAt < $1.expiresAt }
        let lasting = soonest.filter { $0.kind != .assertion }
        let expired = lasting.filter { $0.expiresAt <= now }
        if !expired.isEmpty {
            return HealthVerdict(.error, expired.map { $0.summary(now: now) }.joined(separator: "; "), cause: .credentialEnding)
        }
        let window = warning.timeInterval
        var warnings = lasting.filter { $0.expiresAt.timeIntervalSince(now) <= window }.map { $0.summary(now: now) }
        if let nextRefresh {
            warnings += soonest.filter { $0.kind == .assertion && $0.expiresAt < nextRefresh }.map {
                $0.summary(now: now) + ", before the next refresh " + TimeText.relative(nextRefresh, now: now)
            }
        }
        return warnings.isEmpty ? nil : HealthVerdict(.degraded, warnings.joined(separator: "; "), cause: .credentialEnding)
    }

    /// The earliest end of each kind, for the metric (one series per client and kind).
    public static func earliestByKind(_ credentials: [CredentialExpiry]) -> [Kind: Date] {
        var earliest: [Kind: Date] = [:]
        for credential in credentials where credential.expiresAt < (earliest[credential.kind] ?? .distantFuture) {
            earliest[credential.kind] = credential.expiresAt
        }
        return earliest
    }
}
