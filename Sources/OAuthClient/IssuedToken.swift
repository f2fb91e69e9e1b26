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
    /// Every other response field, as sent (`ext_expires_in` and the like).
    public var extraFields: [String: JSONValue]
    public var decoded: DecodedToken

    public init(
        accessToken: String, tokenType: String, issuedAt: Date, expiresAt: Date?, scopes: [String],
        refreshIn: Duration?, extraFields: [String: JSONValue], decoded: DecodedToken
    ) {
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
}
