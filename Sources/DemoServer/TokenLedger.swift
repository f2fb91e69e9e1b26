import Foundation
import TokenModel

/// What the authorization server remembers of the tokens it issued: enough to introspect and
/// revoke them, and the client assertion ids it has seen, so none is accepted twice.
actor TokenLedger {
    /// One issued access token.
    struct Entry: Sendable {
        let claims: AccessTokenClaims
        var revoked: Bool
    }

    /// What revoking a token did.
    enum RevocationOutcome: Equatable {
        case revoked
        /// Unknown or already expired tokens: RFC 7009 §2.2 still answers 200.
        case unknown
        /// The token belongs to another client, which RFC 7009 §2.1 says to refuse.
        case belongsToAnotherClient
    }

    private let clock: any TokenClock
    private var entries: [String: Entry] = [:]
    private var seenAssertionIDs: [String: Date] = [:]
    private var insertionsSincePrune = 0
    /// Every request that reached the token endpoint, answered or refused: what
    /// `GET /admin/stats` reports, so a test can count a client's requests at the server.
    private(set) var tokenRequests = 0

    init(clock: any TokenClock) {
        self.clock = clock
    }

    /// Counts one request at the token endpoint.
    func countTokenRequest() {
        tokenRequests += 1
    }

    /// Remembers a token just issued.
    func record(token: String, claims: AccessTokenClaims) {
        entries[token] = Entry(claims: claims, revoked: false)
        insertionsSincePrune += 1
        if insertionsSincePrune >= 1000 { prune() }
    }

    /// The token's claims when it is active: issued here, not revoked, not expired.
    func activeClaims(of token: String) -> AccessTokenClaims? {
        guard let entry = entries[token], !entry.revoked,
            Date(timeIntervalSince1970: TimeInterval(entry.claims.exp)) > clock.now()
        else { return nil }
        return entry.claims
    }

    /// Revokes a token on behalf of `clientID`.
    func revoke(token: String, by clientID: String) -> RevocationOutcome {
        guard let entry = entries[token] else { return .unknown }
        guard entry.claims.client_id == clientID else { return .belongsToAnotherClient }
        entries[token]?.revoked = true
        return .revoked
    }

    /// Records a client assertion's `jti`; false when it was seen before (a replay).
    func admitAssertion(id: String, clientID: String, expiresAt: Date) -> Bool {
        let key = "\(clientID)\u{0}\(id)"
        guard seenAssertionIDs[key] == nil else { return false }
        seenAssertionIDs[key] = expiresAt
        return true
    }

    /// Forgets tokens and assertion ids that expired more than a minute ago.
    private func prune() {
        insertionsSincePrune = 0
        let horizon = clock.now().addingTimeInterval(-60)
        entries = entries.filter { Date(timeIntervalSince1970: TimeInterval($0.value.claims.exp)) > horizon }
        seenAssertionIDs = seenAssertionIDs.filter { $0.value > horizon }
    }
}
