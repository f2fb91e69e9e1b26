import AsyncHTTPClient
import Foundation
import Hummingbird
import JOSESupport
import JWTKit
import Logging
import ProtocolSupport
import TokenModel

/// What the resource server learned about a bearer token.
enum TokenVerdict: Sendable, Equatable {
    /// Good: who it was issued to, its scopes, and what it is bound to: the thumbprint of a DPoP
    /// key (`cnf.jkt`) and of a TLS client certificate (`cnf.x5t#S256`).
    case active(subject: String, scopes: [String], boundKey: String?, boundCertificate: String?)
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
    let keys: DemoKeySet
    let addresses: DemoAddressBook
    let audience: String
    let faults: FaultSwitch
    let clock: any TokenClock

    func validate(_ token: String) async -> TokenVerdict {
        guard let endpoints = addresses.endpoints else { return .unavailable("the demo server is starting") }
        guard let header = (try? CompactJWS(token))?.header else { return .rejected("the token is not a JWT") }
        guard let typ = header["typ"]?.stringValue, ["at+jwt", "application/at+jwt"].contains(typ.lowercased()) else {
            return .rejected("the token is not a JWT access token (typ at+jwt, RFC 9068)")
        }
        guard header["alg"]?.stringValue == "RS256", let kid = header["kid"]?.stringValue else {
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
        return .active(subject: claims.sub, scopes: claims.scp, boundKey: claims.cnf?.jkt, boundCertificate: claims.cnf?.x5tS256)
    }
}

/// The issuer's JWKS as the resource server caches it: tokentop's one key-set cache
/// (JOSESupport), made once the issuer's address is known. A demo resource server fetches again
/// at once for a key id it does not know (`minimumRefetchInterval` zero), so a rotation is
/// followed without delay, and after the copy's five minutes.
actor DemoKeySet {
    private let clock: any TokenClock
    private var cache: JOSESupport.JWKSCache?

    init(clock: any TokenClock) {
        self.clock = clock
    }

    /// A collection holding the key named `kid`; nil when the issuer does not publish it.
    func keys(containing kid: String, jwksURI: URL) async throws -> JWTKeyCollection? {
        let cache =
            self.cache
            ?? JOSESupport.JWKSCache(
                url: jwksURI, minimumRefetchInterval: .zero, now: { [clock] in clock.now() }, fetch: Self.fetch)
        self.cache = cache
        switch await cache.keys(for: kid) {
        case .success(let keys):
            let collection = JWTKeyCollection()
            for key in keys { try await collection.add(jwk: key.jwk) }
            return collection
        case .failure(let error) where error.isUnknownKeyID:
            return nil
        case .failure(let error):
            throw error
        }
    }

    private static func fetch(_ jwksURI: URL) async throws -> Data {
        var request = HTTPClientRequest(url: jwksURI.absoluteString)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        guard response.status.code == 200 else { throw JWKSFetchFailed() }
        let body = try await response.body.collect(upTo: 1 << 20)
        return Data(body.readableBytesView)
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
        request.headers.add(name: "Authorization", value: BasicCredentials.header(id: clientID, secret: clientSecret))
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
            return .active(subject: subject, scopes: scopes, boundKey: answer.cnf?.jkt, boundCertificate: answer.cnf?.x5tS256)
        } catch {
            return .unavailable("the introspection endpoint could not be reached")
        }
    }
}
