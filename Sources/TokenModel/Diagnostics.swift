import Foundation
import ProtocolSupport

/// How far a server's clock is from this machine's, from one observation.
public struct ClockReading: Sendable, Equatable, Codable {
    public enum Source: String, Sendable, Equatable, Codable {
        /// The `Date` header of an answer, against the middle of the exchange.
        case dateHeader = "Date header"
        /// A fresh token's `iat`, against the time it arrived.
        case issuedAt = "iat"
    }

    /// The server, as `scheme://host:port`.
    public var server: String
    /// Server time minus local time, in seconds: positive when the server is ahead.
    @Finite<OffsetRange> public var offset: TimeInterval
    /// The error bar, in seconds: half the round trip plus the source's resolution.
    @Finite<UncertaintyRange> public var uncertainty: TimeInterval
    public var source: Source
    @UnixTime public var at: Date

    enum CodingKeys: String, CodingKey {
        case server, source, at
        case offset = "offset_seconds"
        case uncertainty = "uncertainty_seconds"
    }

    /// What a reading's offset may be on the wire: at most `largestOffset` either way.
    public enum OffsetRange: FiniteRange {
        public static let range = -ClockReading.largestOffset...ClockReading.largestOffset
    }

    /// What a reading's error bar may be on the wire: 0 to `largestOffset`.
    public enum UncertaintyRange: FiniteRange {
        public static let range = 0...ClockReading.largestOffset
    }

    /// No clock is a century off: a reading beyond is held there (a server's `Date: … 1800`
    /// or an `iat` in 9999 says "very far off", which is all a reader needs).
    public static let largestOffset: TimeInterval = 100 * 365 * 24 * 3600

    public init(server: String, offset: TimeInterval, uncertainty: TimeInterval, source: Source, at: Date) {
        self.server = server
        self.offset = offset.isFinite ? min(max(offset, -Self.largestOffset), Self.largestOffset) : 0
        self.uncertainty = uncertainty.isFinite ? min(max(uncertainty, 0), Self.largestOffset) : Self.largestOffset
        self.source = source
        self.at = at
    }

    /// The reading from an answer's `Date` header sent between `sentAt` and `receivedAt`; nil
    /// for a missing or unreadable header. `Date` has whole seconds, so half a second is added
    /// to the error bar.
    public static func fromDateHeader(
        _ header: String?, server: String, sentAt: Date, receivedAt: Date
    ) -> ClockReading? {
        guard let header, let serverDate = HTTPDate.parse(header) else { return nil }
        let roundTrip = max(0, receivedAt.timeIntervalSince(sentAt))
        let middle = sentAt.addingTimeInterval(roundTrip / 2)
        return ClockReading(
            server: server, offset: serverDate.timeIntervalSince(middle), uncertainty: roundTrip / 2 + 0.5,
            source: .dateHeader, at: receivedAt)
    }

    /// True when even the most charitable reading is off by more than `leeway`.
    public func exceeds(_ leeway: TimeInterval) -> Bool {
        abs(offset) - uncertainty > leeway
    }

    /// `the authorization server is 1m30s ahead (±0.5s, Date header)`.
    public var summary: String {
        let amount = TimeText.duration(seconds: Int(min(abs(offset), 1e9).rounded()))
        let direction = offset >= 0 ? "ahead of" : "behind"
        return "\(server) is \(amount) \(direction) this machine (±\(String(format: "%.1f", uncertainty))s, \(source.rawValue))"
    }
}

/// One key an issuer publishes, as tokentop has seen it.
public struct PublishedKey: Sendable, Equatable, Codable {
    public var kid: String?
    /// `RSA 2048`, `EC P-256`, `OKP Ed25519`.
    public var type: String
    public var algorithm: String?
    public var use: String?
    @UnixTime public var firstSeen: Date
    @UnixTime public var lastSeen: Date

    enum CodingKeys: String, CodingKey {
        case kid, type, use
        case algorithm = "alg"
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
    }

    public init(kid: String?, type: String, algorithm: String?, use: String?, firstSeen: Date, lastSeen: Date) {
        self.kid = kid
        self.type = type
        self.algorithm = algorithm
        self.use = use
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}

/// A key appearing in or leaving an issuer's key set.
public struct KeySetChange: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Equatable, Codable {
        case added, removed
    }

    public var kind: Kind
    public var kid: String?
    @UnixTime public var at: Date

    public init(kind: Kind, kid: String?, at: Date) {
        self.kind = kind
        self.kid = kid
        self.at = at
    }
}

/// An issuer's key set as watched: the keys now, how they changed, how fresh the copy is.
public struct KeySetStatus: Sendable, Equatable, Codable {
    /// How long a copy is kept when the key set's answer gives no `max-age`.
    public static let defaultMaximumAge: Duration = .seconds(300)
    /// The shortest wait between two looks at a key set, whatever its `max-age`: a key set
    /// that says `max-age=0` is not fetched in a loop.
    public static let minimumRefetchInterval: Duration = .seconds(30)

    /// The key set's URL, for display.
    public var source: String
    public var keys: [PublishedKey]
    public var changes: [KeySetChange]
    @Optionally<UnixTime> public var fetchedAt: Date?
    /// The key set's own `Cache-Control: max-age`, when it sent one.
    @Optionally<Nanoseconds> public var maxAge: Duration?
    /// Why the last fetch failed, if it did.
    public var lastError: String?

    enum CodingKeys: String, CodingKey {
        case source, keys, changes
        case fetchedAt = "fetched_at"
        case maxAge = "max_age_ns"
        case lastError = "last_error"
    }

    public init(
        source: String, keys: [PublishedKey] = [], changes: [KeySetChange] = [], fetchedAt: Date? = nil,
        maxAge: Duration? = nil, lastError: String? = nil
    ) {
        self.source = source
        self.keys = keys
        self.changes = changes
        self.fetchedAt = fetchedAt
        self.maxAge = maxAge
        self.lastError = lastError
    }

    /// True when a key with this `kid` is published now.
    public func publishes(_ kid: String) -> Bool {
        keys.contains { $0.kid == kid }
    }

    /// Where a `kid` stands in this copy of the key set.
    public enum KeyStanding: Sendable, Equatable {
        /// In the set as last fetched.
        case published
        /// Seen in an earlier fetch and absent from a later one: rotated away.
        case retired
        /// Never seen in this set: a key newer than the copy, or one the issuer never published.
        case unseen
    }

    /// Whether `kid` is published, was retired, or was never seen here. "No longer published"
    /// is only ever said of a key an earlier fetch held.
    public func standing(of kid: String) -> KeyStanding {
        if publishes(kid) { return .published }
        return changes.contains { $0.kind == .removed && $0.kid == kid } ? .retired : .unseen
    }
}

/// Why a token is rejected, named from the evidence: what `check --deep` and the dashboard's
/// diagnosis show.
public struct Diagnosis: Sendable, Equatable {
    public enum Cause: String, Sendable, Equatable, CaseIterable {
        /// Valid locally, inactive at the authorization server.
        case revoked
        /// Valid locally or active at the authorization server, refused by the API with a
        /// reason that names the audience or the issuer.
        case audienceOrIssuerMismatch = "audience_or_issuer_mismatch"
        /// Valid locally or active at the authorization server, refused by the API as invalid
        /// without a reason: most often another audience or issuer, but the answer does not say.
        case apiRefusesValidToken = "api_refuses_valid_token"
        /// A server answered 401 `invalid_client`: the secret or key is wrong, or the client is gone.
        case credentialsRejected = "credentials_rejected"
        /// The API answers 403 `insufficient_scope` for a scope the token lacks.
        case missingScope = "missing_scope"
        /// A clock is off by more than the verification leeway.
        case clockSkew = "clock_skew"
        /// The token's signing key is no longer published.
        case keyRotation = "key_rotation"
        /// The authorization server refuses to introspect for this client (for another reason
        /// than its credentials).
        case introspectionNotAllowed = "introspection_not_allowed"
        /// The token endpoint wants a DPoP proof and the client sends none (`dpop: true` is off).
        case dpopRequired = "dpop_required"
        /// The token endpoint wants a client assertion (`private_key_jwt`) and the client sends a secret.
        case privateKeyJWTRequired = "private_key_jwt_required"
        /// The token endpoint wants a TLS client certificate and the client presents none.
        case clientCertificateRequired = "client_certificate_required"
        /// The token endpoint refused the federated client assertion as expired.
        case assertionExpired = "assertion_expired"
        /// The token endpoint refused the client assertion's `aud`.
        case assertionAudienceMismatch = "assertion_audience_mismatch"
        /// The token endpoint knows no federated identity for the client assertion's `sub`.
        case assertionSubjectRejected = "assertion_subject_rejected"
    }

    public var cause: Cause
    /// One line: what is wrong and what follows.
    public var summary: String
    /// What the diagnosis rests on, one fact a line.
    public var evidence: [String]

    public init(cause: Cause, summary: String, evidence: [String]) {
        self.cause = cause
        self.summary = summary
        self.evidence = evidence
    }
}
