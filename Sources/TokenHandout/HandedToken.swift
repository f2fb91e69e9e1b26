import Foundation
import TokenCache

/// A token handed to a program: what every output format needs.
public struct HandedToken: Sendable, Equatable {
    public var accessToken: String
    public var tokenType: String
    public var expiresAt: Date?
    public var scopes: [String]

    public var isDPoPBound: Bool { tokenType.caseInsensitiveCompare("DPoP") == .orderedSame }

    public init(_ entry: CachedToken) {
        self.init(accessToken: entry.accessToken, tokenType: entry.tokenType, expiresAt: entry.expiresAt, scopes: entry.scopes)
    }

    public init(accessToken: String, tokenType: String, expiresAt: Date?, scopes: [String]) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.expiresAt = expiresAt
        self.scopes = scopes
    }
}
