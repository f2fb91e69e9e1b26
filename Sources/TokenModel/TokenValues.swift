import Foundation

/// Whether an access token could be read as a JWT.
public enum TokenFormat: String, Sendable, Equatable, Codable {
    case jwt
    case opaque
}

/// A token's signature verdict and the reason behind it, always both.
///
/// A verdict is a function of the token, the key set as last fetched and the clock: the token
/// manager computes it again whenever the key set changes, and a `checking` verdict says when it
/// will look again (`recheckAt`), so no verdict outlives the facts it was drawn from.
public struct SignatureVerdict: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable, Codable {
        /// The signature checked out against the key set and the claims were acceptable.
        case verified
        /// Verification was attempted and something was wrong.
        case failed
        /// Not attempted though it was expected to be: an opaque token, or a key set that is
        /// configured but out of reach.
        case unverified
        /// Under way: the key set is being fetched, or the token names a key the copy at hand
        /// lacks and the key set may be fetched again only at `recheckAt`.
        case checking
        /// Nothing to check against: no key set is configured and none could be discovered.
        /// Not a failure: tokentop was not asked to check, and says so.
        case notChecked = "not_checked"

        /// `verified`, `not checked`: the status as a front end writes it.
        public var words: String { rawValue.replacingOccurrences(of: "_", with: " ") }
    }

    /// What a failed verdict rests on, for deciding what helps: a new token helps every
    /// failure but a claim that the configuration expects otherwise (`iss`, `aud`).
    public enum Failure: String, Sendable, Equatable, Codable, CaseIterable {
        /// The token's `kid` is not in a key set fetched after the token arrived: the key
        /// was rotated away, or never published (a key rotation).
        case keyNotPublished = "key_not_published"
        /// The signature does not match the published key, or the token is malformed or uses a
        /// refused algorithm.
        case signature
        /// `exp`, `nbf` or `iat` is out of the leeway here: often a skewed clock.
        case timeClaims = "time_claims"
        /// `iss` or `aud` is not what the configuration expects.
        case claims
    }

    public var status: Status
    public var reason: String
    /// Set on a failed verdict: what failed.
    public var failure: Failure?
    /// Set on a verdict that is not final (`checking`, `unverified`, `notChecked`): when the
    /// key set may be fetched (or discovered) again to settle it.
    public var recheckAt: Date?

    public init(_ status: Status, _ reason: String, failure: Failure? = nil, recheckAt: Date? = nil) {
        self.status = status
        self.reason = reason
        self.failure = status == .failed ? failure ?? .signature : nil
        self.recheckAt = status == .verified || status == .failed ? nil : recheckAt
    }

    /// True when a new token could pass where this one failed: a key rotation, a bad signature,
    /// a token whose times are off. Not for `iss`/`aud`, which only the configuration changes.
    public var newTokenMayHelp: Bool {
        status == .failed && failure != .claims
    }

    /// What failed, in a word for a label: `claims` when the signature held and `exp`, `nbf`,
    /// `iat`, `iss` or `aud` did not (an audience mismatch is no signature failure), else `signature`.
    public var subject: String {
        status == .failed && (failure == .claims || failure == .timeClaims) ? "claims" : "signature"
    }

    /// The reason with the recheck's countdown as of `now`: `… (new key? refetch in 12s)`.
    public func reason(at now: Date) -> String {
        guard let recheckAt else { return reason }
        let seconds = max(0, TimeText.secondsUntil(recheckAt, now: now))
        return seconds > 0
            ? "\(reason); key set refetch in \(TimeText.duration(seconds: seconds))" : "\(reason); refetching the key set"
    }
}

/// A token split into header and claims. The raw token is kept so it can be sent, but it is
/// never part of any description.
public struct DecodedToken: Sendable, Equatable, Codable {
    public var format: TokenFormat
    /// The JOSE header; empty for an opaque token.
    public var header: [String: JSONValue]
    /// The claims; empty for an opaque token.
    public var claims: [String: JSONValue]

    public init(format: TokenFormat, header: [String: JSONValue] = [:], claims: [String: JSONValue] = [:]) {
        self.format = format
        self.header = header
        self.claims = claims
    }

    public var algorithm: String? { header["alg"]?.stringValue }
    public var keyID: String? { header["kid"]?.stringValue }
    public var issuer: String? { claims["iss"]?.stringValue }
    public var subject: String? { claims["sub"]?.stringValue }
    public var expiresAt: Date? { claims["exp"]?.timestampValue }
    public var issuedAt: Date? { claims["iat"]?.timestampValue }

    /// `scope` as a space-separated string, or Okta's `scp` array.
    public var scopes: [String] {
        if let scope = claims["scope"]?.stringValue {
            return scope.split(separator: " ").map(String.init)
        }
        return claims["scp"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}

/// An RFC 7662 introspection answer.
public struct IntrospectionResult: Sendable, Equatable, Codable {
    public var active: Bool
    /// Every field of the answer, as sent.
    public var fields: [String: JSONValue]
    @UnixTime public var checkedAt: Date

    enum CodingKeys: String, CodingKey {
        case active, fields
        case checkedAt = "checked_at"
    }

    public init(active: Bool, fields: [String: JSONValue], checkedAt: Date) {
        self.active = active
        self.fields = fields
        self.checkedAt = checkedAt
    }
}

/// One call of a client's protected endpoint.
public struct ResourceResponse: Sendable, Equatable, Codable {
    /// The HTTP status; nil when no answer came (connection refused, timeout).
    @Optionally<Bounded<HTTPStatusRange>> public var status: Int?
    @Nanoseconds public var latency: Duration
    @UnixTime public var at: Date
    /// `WWW-Authenticate`, sanitised.
    public var wwwAuthenticate: String?
    /// The first 4 KiB of the body, sanitised for the terminal.
    public var bodyExcerpt: String
    /// What went wrong when there was no answer (refused, timeout, TLS), or the redirect that
    /// was refused.
    public var failure: OAuthError?
    /// True when this call was the retry after a 401 `invalid_token` forced a refresh.
    public var wasRetry: Bool
    /// Which of the client's tokens was sent (`TokenSummary.serial`): an answer obtained with
    /// a token that is no longer held is old news.
    @Optionally<Bounded<CountRange>> public var tokenSerial: Int?
    /// True when the API asked for a DPoP nonce (`use_dpop_nonce`) and this is the one retry with it.
    public var nonceRetried: Bool

    enum CodingKeys: String, CodingKey {
        case status, at, failure
        case latency = "latency_ns"
        case wwwAuthenticate = "www_authenticate"
        case bodyExcerpt = "body_excerpt"
        case wasRetry = "was_retry"
        case tokenSerial = "token_serial"
        case nonceRetried = "nonce_retried"
    }

    public init(
        status: Int?, latency: Duration, at: Date, wwwAuthenticate: String? = nil, bodyExcerpt: String,
        failure: OAuthError? = nil, wasRetry: Bool = false, tokenSerial: Int? = nil, nonceRetried: Bool = false
    ) {
        self.nonceRetried = nonceRetried
        self.status = status
        self.latency = latency
        self.at = at
        self.wwwAuthenticate = wwwAuthenticate
        self.bodyExcerpt = bodyExcerpt
        self.failure = failure
        self.wasRetry = wasRetry
        self.tokenSerial = tokenSerial
    }

    /// 2xx.
    public var isSuccess: Bool { status.map { (200..<300).contains($0) } ?? false }

    /// The challenges of `WWW-Authenticate`, parsed (RFC 9110 §11.6.1, RFC 6750 §3).
    public var challenges: [AuthenticationChallenge] {
        wwwAuthenticate.map(AuthenticationChallenge.parse) ?? []
    }

    /// The RFC 6750 `error` of the first challenge that has one (`invalid_token`,
    /// `insufficient_scope`), with its description and the scope it asks for.
    public var challengeError: AuthenticationChallenge? {
        challenges.first { $0.error != nil }
    }
}

extension ResourceResponse {
    /// What an answer said, for telling a change from a repeat: the status (or why none came)
    /// and the challenge's error. The event log keeps an answer when this differs from the
    /// client's previous one.
    public var outcomeKey: String {
        let status = self.status.map(String.init) ?? failure.map { "\($0.kind)" } ?? "no answer"
        return challengeError?.error.map { status + " " + $0.rawValue } ?? status
    }
}
