import Foundation
import TokenModel

extension ClientReport {
    /// A credential with an end: `kind` is `certificate`, `key_certificate`, `secret` or
    /// `assertion`; an assertion's `iss` and `aud` stand beside the rest.
    public struct Credential: Codable, Sendable, Equatable {
        public var kind: String
        public var subject: String
        public var expiresAt: String
        /// What else the credential says (`iss`, `aud`), each a member of its own.
        public var details: [String: String]

        private static let ownKeys: Set<String> = ["kind", "subject", "expires_at"]

        init(_ credential: CredentialExpiry) {
            kind = credential.kind.rawValue
            subject = credential.subject
            expiresAt = TimeText.iso8601(credential.expiresAt)
            details = credential.details.filter { !Self.ownKeys.contains($0.key) }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: MemberName.self)
            kind = try container.decode(String.self, forKey: MemberName("kind"))
            subject = try container.decode(String.self, forKey: MemberName("subject"))
            expiresAt = try container.decode(String.self, forKey: MemberName("expires_at"))
            details = [:]
            for key in container.allKeys where !Self.ownKeys.contains(key.stringValue) {
                details[key.stringValue] = try container.decode(String.self, forKey: key)
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: MemberName.self)
            try container.encode(kind, forKey: MemberName("kind"))
            try container.encode(subject, forKey: MemberName("subject"))
            try container.encode(expiresAt, forKey: MemberName("expires_at"))
            for (name, value) in details where !Self.ownKeys.contains(name) {
                try container.encode(value, forKey: MemberName(name))
            }
        }
    }

    /// A diagnosis (`check --deep`): its cause, what it rests on and what to do.
    public struct Finding: Codable, Sendable, Equatable {
        public var cause: String
        public var summary: String
        public var evidence: [String]
        public var nextStep: String

        enum CodingKeys: String, CodingKey {
            case cause, summary, evidence
            case nextStep = "next_step"
        }
    }

    /// One check a diagnosis may rest on: `outcome` is `ran`, `not_configured` or `not_yet`.
    public struct Check: Codable, Sendable, Equatable {
        public var check: String
        public var outcome: String
        /// What it found, or why it did not run.
        public var detail: String

        init(_ check: DiagnosticCheck) {
            self.check = check.kind.rawValue
            (outcome, detail) =
                switch check.outcome {
                case .ran(let finding): ("ran", finding)
                case .notConfigured(let why): ("not_configured", why)
                case .notYet(let why): ("not_yet", why)
                }
        }
    }

    /// A server's clock against this machine's, to a tenth of a second.
    public struct ClockOffset: Codable, Sendable, Equatable {
        public var server: String
        public var source: String
        public var offsetSeconds: Double
        public var uncertaintySeconds: Double

        enum CodingKeys: String, CodingKey {
            case server, source
            case offsetSeconds = "offset_seconds"
            case uncertaintySeconds = "uncertainty_seconds"
        }

        init(_ reading: ClockReading) {
            server = reading.server
            source = reading.source.rawValue
            offsetSeconds = (reading.offset * 10).rounded() / 10
            uncertaintySeconds = (reading.uncertainty * 10).rounded() / 10
        }
    }

    /// The issuer's key set, and the `kid` of the held token to look for in it.
    public struct KeySet: Codable, Sendable, Equatable {
        public var source: String
        public var keys: [Key]
        public var maxAgeSeconds: Int?
        public var tokenKid: String?

        enum CodingKeys: String, CodingKey {
            case source, keys
            case maxAgeSeconds = "max_age_seconds"
            case tokenKid = "token_kid"
        }

        init(_ keySet: KeySetStatus, tokenKeyID: String?) {
            source = keySet.source
            keys = keySet.keys.map { Key(type: $0.type, kid: $0.kid, alg: $0.algorithm) }
            maxAgeSeconds = keySet.maxAge?.wholeSeconds
            tokenKid = tokenKeyID
        }
    }

    /// A published key, as a JWK names its parts.
    public struct Key: Codable, Sendable, Equatable {
        public var type: String
        public var kid: String?
        public var alg: String?
    }

    /// A token request (`serve`'s history).
    public struct Fetch: Codable, Sendable, Equatable {
        /// Why it was made: `startup`, `scheduled`, `manual`, `retry`, …
        public var reason: String
        public var startedAt: String
        /// How long the request took, in milliseconds rounded.
        public var latencyMs: Double
        /// `ok` or `error`.
        public var status: String
        public var error: Failure?
        /// When the token it brought expires.
        public var expiresAt: String?
        /// The claims that changed from the token before (`~kid`, `+scp`); absent when none did.
        public var claimChanges: [String]?

        enum CodingKeys: String, CodingKey {
            case reason, status, error
            case startedAt = "started_at"
            case latencyMs = "latency_ms"
            case expiresAt = "expires_at"
            case claimChanges = "claim_changes"
        }

        init(_ record: FetchRecord) {
            reason = record.reason.rawValue
            startedAt = TimeText.iso8601(record.startedAt)
            latencyMs = (record.latency.timeInterval * 1000).rounded()
            status = record.succeeded ? "ok" : "error"
            error = record.error.map(Failure.init)
            expiresAt = record.expiresAt.map(TimeText.iso8601)
            claimChanges = record.claimChanges.isEmpty ? nil : record.claimChanges
        }
    }

    /// An operator action (`refresh`, `revoke`) and how it ended, JWT-shaped text in its outcome masked.
    public struct Action: Codable, Sendable, Equatable {
        public var action: String
        public var at: String
        public var succeeded: Bool
        public var outcome: String

        init(_ record: ActionRecord) {
            action = record.action.rawValue
            at = TimeText.iso8601(record.at)
            succeeded = record.succeeded
            outcome = Redaction.maskingJWTs(record.outcome)
        }
    }
}

/// A JSON member named at run time: an object whose members are not all known in advance.
struct MemberName: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) {
        stringValue = name
    }

    init?(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        return nil
    }
}
