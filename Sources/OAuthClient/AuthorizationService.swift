import Foundation
import TokenModel

/// What the token manager needs from the servers of one client. `AuthorizationClient` is
/// the real one; tests substitute their own.
public protocol AuthorizationService: Sendable {
    /// Fetches the key set again when its copy is stale; true when its keys changed.
    func watchKeySet() async -> Bool
    /// Fetches the key set again now, whatever its age, when the refetch floor allows; else
    /// answers when it will. nil when fetched, or when there is no key set to fetch.
    func refetchKeySet() async -> Date?
    /// How many times the key set was fetched successfully (see `ServerDiagnostics`).
    func keySetRevision() async -> Int
    /// What is known of the servers: their clocks and the key set.
    func diagnostics() async -> ServerDiagnostics
    /// Fetches a new access token with the client credentials grant.
    func requestToken() async throws(OAuthError) -> IssuedToken
    /// Checks a token's signature and claims against the issuer's key set as it stands.
    /// - Parameter receivedAt: when the token arrived (a key set fetched since is final about its `kid`).
    func verify(_ accessToken: String, receivedAt: Date) async -> SignatureVerdict
    /// Asks the authorization server about a token (RFC 7662).
    func introspect(_ accessToken: String) async throws(OAuthError) -> IntrospectionResult
    /// Revokes a token (RFC 7009).
    func revoke(_ accessToken: String) async throws(OAuthError)
    /// Calls `resource-uri` with the token; nil when the client has none.
    func callResource(_ accessToken: String) async -> ResourceResponse?
}

extension AuthorizationService {
    public func watchKeySet() async -> Bool { false }
    public func refetchKeySet() async -> Date? { nil }
    public func keySetRevision() async -> Int { 0 }
    public func diagnostics() async -> ServerDiagnostics { ServerDiagnostics() }
}
