import AsyncHTTPClient
import Foundation
import Hummingbird
import JWTKit
import Logging
import TokenModel

/// What the resource server learned about a bearer token.
enum TokenVerdict: Sendable, Equatable {
    /// Good: who it was issued to, its scopes, and the thumbprint of the key it is bound to (DPoP).
    case active(subject: String, scopes: [String], boundKey: String?)
    /// Expired, revoked, unknown, badly signed or not ours; the reason is safe to send back.
    case rejected(String)
    /// The authorization server could not be asked.
    case unavailable(String)
}

/// Judges bearer tokens for `/mod`.
protocol AccessTokenValidator: Sendable {
    func validate(_ token: String) async -> TokenVerdict
}

/// The `iss` and `aud` `/mod` expects: the demo's own, unless a fault says otherwise.
struct ResourceExpectations {
    let issuer: String
    let audience: String

    init(endpoints: DemoEndpoints, audience: String, faults: FaultSwitch) {
        let current = faults.current
        issuer = current.resourceExpectedIssuer ?? endpoints.issuer.absoluteString
        self.audience = current.resourceExpectedAudience ?? audience
    }

    /// Why a token with these claims is not for this API, or nil when it is.
    func refusal(issuer tokenIssuer: String?, audiences: [String]) -> String? {
        guard tokenIssuer == issuer else { return "the token's issuer is not \(issuer)" }
        guard audiences.contains(audience) else { return "the token's audience is not \(audience)" }
        return nil
    }
}

/// `jwt` mode: verifies the signature against the issuer's JWKS (fetched over HTTP, cached, and
/// fetched again for a key id it does not know or after five minutes), then `typ`, `iss`, `aud`
/// and `exp`. Revocation is not seen: a revoked token passes until it expires.
struct JWTAccessTokenValidator: AccessTokenValidator {
    let keys: JWKSCache
    let addresses: DemoAddressBook
    let audience: String
    let faults: FaultSwitch
    let clock: any TokenClock

    func validate(_ token: String) async -> TokenVerdict {
        guard let endpoints = addresses.endpoints else { return .unavailable("the demo server is starting") }
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3, let headerData = Base64URL.decode(segments[0]),
            let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any]
        else { return .rejected("the token is not a JWT") }
        guard let typ = header["typ"] as? String, ["at+jwt", "application/at+jwt"].contains(typ.lowercased()) else {
            return .rejected("the token is not a JWT access token (typ at+jwt, RFC 9068)")
        }
        guard header["alg"] as? String == "RS256", let kid = header["kid"] as? String else {
            return .rejected("the token must be RS256 with a kid")
        }
        let collection: JWTKeyCollection?
        do {
            collection = try await keys.keys(containing: kid, jwksURI: endpoints.jwksURI)
        } catch {
            return .unavailable("the issuer's key set could not be fetched")
        }
        guard let collection else { return .rejected("the token is signed with a key the issuer does not publish") }
        let claims: AccessTokenClaims
        do {
            claims = try await collection.verify(token, as: AccessTokenClaims.self)
        } catch {
            return .rejected("the token signature is invalid")
        }
        let expected = ResourceExpectations(endpoints: endpoints, audience: audience, faults: faults)
        if let refusal = expected.refusal(issuer: claims.iss, audiences: [claims.aud]) { return .rejected(refusal) }
        guard Date(timeIntervalSince1970: TimeInterval(claims.exp)) > clock.now() else {
            return .rejected("the token expired")
        }
        return .active(subject: claims.sub, scopes: claims.scp, boundKey: claims.cnf?.jkt)
    }
}

/// The issuer's JWKS as the resource server caches it.
actor JWKSCache {
    private static let maximumAge: TimeInterval = 300
    private let clock: any TokenClock
    private let logger: Logger
    private var keys: JWTKeyCollection?
    private var kids: Set<String> = []
    private var fetchedAt: Date?
    /// Key ids looked for and not found, so a forged kid cannot make every request refetch.
    private var missing: [String: Date] = [:]
    private var inFlight: Task<(JWTKeyCollection, Set<String>), any Error>?

    init(clock: any TokenClock, logger: Logger) {
        self.clock = clock
        self.logger = logger
    }

    /// A collection holding `kid`, fetching the JWKS again when the key is unknown or the
    /// cache is old; nil when the issuer does not publish the key.
    func keys(containing kid: String, jwksURI: URL) async throws -> JWTKeyCollection? {
        let now = clock.now()
        let fresh = fetchedAt.map { now.timeIntervalSince($0) < Self.maximumAge } ?? false
        if fresh, kids.contains(kid), let keys { return keys }
        if fresh, let lookedAt = missing[kid], now.timeIntervalSince(lookedAt) < 5 { return nil }
        try await refresh(jwksURI)
        if kids.contains(kid) { return keys }
        if missing.count > 100 { missing.removeAll() }
        missing[kid] = now
        return nil
    }

    private func refresh(_ jwksURI: URL) async throws {
        let task: Task<(JWTKeyCollection, Set<String>), any Error>
        if let inFlight {
            task = inFlight
        } else {
            task = Task { try await Self.fetch(jwksURI) }
            inFlight = task
        }
        defer { if inFlight == task { inFlight = nil } }
        let (collection, fetchedKIDs) = try await task.value
        keys = collection
        kids = fetchedKIDs
        fetchedAt = clock.now()
        logger.debug("fetched the JWKS", metadata: ["kids": "\(fetchedKIDs.sorted())"])
    }

    private static func fetch(_ jwksURI: URL) async throws -> (JWTKeyCollection, Set<String>) {
        var request = HTTPClientRequest(url: jwksURI.absoluteString)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        guard response.status.code == 200 else { throw JWKSFetchFailed() }
        let body = try await response.body.collect(upTo: 1 << 20)
        let jwks = try JSONDecoder().decode(JWKS.self, from: Data(body.readableBytesView))
        let collection = try await JWTKeyCollection().add(jwks: jwks)
        return (collection, Set(jwks.keys.compactMap { $0.keyIdentifier?.string }))
    }

    private struct JWKSFetchFailed: Error {}
}

/// `introspect` mode: asks the authorization server's introspection endpoint about every token,
/// authenticating with the resource server's own credentials (`client_secret_basic`).
struct IntrospectionAccessTokenValidator: AccessTokenValidator {
    let addresses: DemoAddressBook
    let audience: String
    let faults: FaultSwitch
    let clientID: String
    let clientSecret: String

    func validate(_ token: String) async -> TokenVerdict {
        guard let endpoints = addresses.endpoints else { return .unavailable("the demo server is starting") }
        var request = HTTPClientRequest(url: endpoints.introspectionEndpoint.absoluteString)
        request.method = .POST
        let credentials = "\(FormEncoding.encode(clientID)):\(FormEncoding.encode(clientSecret))"
        request.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: "token=\(FormEncoding.encode(token))&token_type_hint=access_token"))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status.code == 200,
                let answer = try? JSONDecoder().decode(IntrospectionResponse.self, from: Data(body.readableBytesView))
            else { return .unavailable("the introspection endpoint answered \(response.status.code)") }
            guard answer.active else {
                return .rejected("the token is not active (expired, revoked or unknown)")
            }
            let expected = ResourceExpectations(endpoints: endpoints, audience: audience, faults: faults)
            if let refusal = expected.refusal(issuer: answer.iss, audiences: answer.aud.map { [$0] } ?? []) {
                return .rejected(refusal)
            }
            let subject = answer.sub ?? answer.client_id ?? "unknown"
            let scopes = (answer.scope ?? "").split(separator: " ").map(String.init)
            return .active(subject: subject, scopes: scopes, boundKey: answer.cnf?.jkt)
        } catch {
            return .unavailable("the introspection endpoint could not be reached")
        }
    }
}
