import Foundation

/// What a token endpoint said of its rate limit in its latest answer. One fact per issuer and
/// endpoint: every client of an issuer draws on the same bucket (Okta counts all of an org's
/// clients against one), so the newest answer to any of them is the budget of all.
public struct RateLimitBudget: Sendable, Equatable, Codable {
    /// Which header fields carried it.
    public enum Style: String, Sendable, Equatable, Codable, CaseIterable {
        /// Okta's `X-Rate-Limit-Limit`, `-Remaining` and `-Reset` (epoch seconds).
        case okta
        /// `RateLimit` with `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers-08 and later).
        case ietf
        /// `RateLimit-Limit`, `-Remaining` and `-Reset` (seconds from now), the earlier drafts.
        case ietfFields = "ietf_fields"
    }

    /// What a budget is kept under: the issuer and the token endpoint it counts.
    public struct Key: Sendable, Hashable {
        public var issuer: String
        public var endpoint: String

        public init(issuer: String, endpoint: String) {
            self.issuer = issuer
            self.endpoint = endpoint
        }
    }

    /// The issuer (or the token endpoint's origin when the issuer is not known).
    public var issuer: String
    /// The token endpoint, without query or credentials.
    public var endpoint: String
    /// Requests the window allows.
    @Bounded<PositiveCountRange> public var limit: Int
    /// Requests left in the window, at most `limit`.
    @Bounded<CountRange> public var remaining: Int
    /// When the window starts afresh; nil when the server did not say.
    @Optionally<UnixTime> public var resetAt: Date?
    /// The window's length, when the server gave its policy (`w=`).
    @Optionally<Nanoseconds> public var window: Duration?
    /// When the answer carrying it arrived.
    @UnixTime public var observedAt: Date
    public var style: Style
    /// The client of this issuer with the most token requests in the last minute, and how many:
    /// who drains the budget. Filled by the token manager, which sees every client's history.
    public var heaviestClient: String?
    @Bounded<CountRange> public var heaviestClientRequests: Int

    enum CodingKeys: String, CodingKey {
        case issuer, endpoint, limit, remaining, style
        case window = "window_ns"
        case resetAt = "reset_at"
        case observedAt = "observed_at"
        case heaviestClient = "heaviest_client"
        case heaviestClientRequests = "heaviest_client_requests"
    }

    public init(
        issuer: String, endpoint: String, limit: Int, remaining: Int, resetAt: Date?, window: Duration? = nil,
        observedAt: Date, style: Style, heaviestClient: String? = nil, heaviestClientRequests: Int = 0
    ) {
        self.issuer = issuer
        self.endpoint = endpoint
        self.limit = limit
        self.remaining = remaining
        self.resetAt = resetAt
        self.window = window
        self.observedAt = observedAt
        self.style = style
        self.heaviestClient = heaviestClient
        self.heaviestClientRequests = heaviestClientRequests
    }

    public var key: Key { Key(issuer: issuer, endpoint: endpoint) }

    /// Under this share of the limit left, the budget is a warning on every client of the issuer.
    public static let lowShare = 0.10

    /// The share of the limit left, 0...1.
    public var shareLeft: Double {
        limit > 0 ? Double(min(max(remaining, 0), limit)) / Double(limit) : 0
    }

    /// True while less than 10 % is left and the window has not started afresh: a reset in the
    /// past means the bucket is full again, whatever the last answer said.
    public func isLow(at now: Date) -> Bool {
        guard shareLeft < Self.lowShare else { return false }
        return resetAt.map { $0 > now } ?? true
    }

    /// `412/600 left, resets in 38s`: the countdown from `now`, so it runs between answers.
    public func summary(at now: Date) -> String {
        var text = "\(remaining)/\(limit) left"
        if let resetAt {
            text +=
                resetAt > now
                ? ", resets " + TimeText.relative(resetAt, now: now) : ", reset " + TimeText.relative(resetAt, now: now)
        }
        return text
    }

    /// `token endpoint: 412/600 left, resets in 38s`.
    public func text(at now: Date) -> String {
        "token endpoint: " + summary(at: now)
    }

    /// The warning a low budget puts on every client of its issuer, naming who uses it most.
    public func warning(at now: Date) -> String {
        var text = "token endpoint budget low: " + summary(at: now)
        if let heaviestClient, heaviestClientRequests > 0 {
            text += "; most requests: \(TerminalText.sanitize(heaviestClient)) (\(heaviestClientRequests) in the last minute)"
        }
        return text
    }
}
