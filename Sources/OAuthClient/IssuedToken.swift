import Foundation
import TokenModel

/// An access token as the token endpoint issued it.
public struct IssuedToken: Sendable, Equatable {
    /// The bearer token itself. Never log or describe it; use `masked`.
    public var accessToken: String
    public var tokenType: String
    public var issuedAt: Date
    /// From `expires_in`, else the JWT's `exp`; nil when the lifetime is unknown.
    public var expiresAt: Date?
    /// Granted scopes: the response's `scope`, else the token's.
    public var scopes: [String]
    /// The server's own hint of when to refresh (`refresh_in`, seconds).
    public var refreshIn: Duration?
    /// Every other response field (`ext_expires_in` and the like), credentials masked
    /// (`Redaction.maskingCredentials`).
    public var extraFields: [String: JSONValue]
    public var decoded: DecodedToken
    /// How the token is bound to this client (DPoP key, certificate), and what its `cnf` says.
    public var binding: TokenBinding
    /// True when the token endpoint asked for a DPoP nonce and the request was repeated with it.
    public var nonceRetried: Bool

    public init(
        accessToken: String, tokenType: String, issuedAt: Date, expiresAt: Date?, scopes: [String],
        refreshIn: Duration?, extraFields: [String: JSONValue], decoded: DecodedToken,
        binding: TokenBinding = TokenBinding(method: .bearer), nonceRetried: Bool = false
    ) {
        self.binding = binding
        self.nonceRetried = nonceRetried
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.scopes = scopes
        self.refreshIn = refreshIn
        self.extraFields = extraFields
        self.decoded = decoded
    }

    /// The token as it may be shown: `eyJr…9Q`.
    public var masked: String { Redaction.mask(accessToken) }

    /// A token with less than this left when it arrives is refused: it would expire in flight.
    public static let minimumRemainingLifetime: TimeInterval = 1

    /// Why this token cannot be used although the server issued it: it is dead on arrival (a
    /// skewed clock, `exp` in the past, `expires_in: 1e-300`). Every path that fetches a token
    /// (the manager, `token`, `check`) refuses such a token through this one rule.
    public func arrivalProblem(now: Date, endpoint: String?) -> OAuthError? {
        guard let expiresAt, expiresAt.timeIntervalSince(now) < Self.minimumRemainingLifetime else { return nil }
        return OAuthError.invalidResponse(
            "the new token had already expired on arrival (exp \(TimeText.iso8601(expiresAt)), now "
                + "\(TimeText.iso8601(now))); is a clock skewed?", endpoint: endpoint, httpStatus: 200)
    }

    /// True once the token's expiry has passed.
    public func isExpired(at now: Date) -> Bool {
        expiresAt.map { $0 <= now } ?? false
    }
}
