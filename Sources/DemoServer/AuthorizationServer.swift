import Foundation
import Hummingbird
import JWTKit
import Logging
import TokenModel

/// The Okta-shaped authorization server: discovery, `/v1/token` (client credentials only),
/// `/v1/keys`, `/v1/introspect`, `/v1/revoke`, and the loopback-only admin endpoints.
struct AuthorizationServer: Sendable {
    let registry: ClientRegistry
    let keyRing: KeyRing
    let ledger: TokenLedger
    let addresses: DemoAddressBook
    let faults: FaultSwitch
    let control: DemoControl
    let adminToken: String
    let audience: String
    let clock: DemoClock
    let random: DemoRandomSource
    let logger: Logger

    /// The scopes every client may be registered with, for the metadata.
    let knownScopes: [String]

    func router() -> Router<DemoRequestContext> {
        let router = Router(context: DemoRequestContext.self)
        router.add(middleware: LatencyMiddleware(faults: faults))
        router.get(".well-known/oauth-authorization-server/oauth2/default") { _, _ in metadata(openID: false) }
        router.get("oauth2/default/.well-known/oauth-authorization-server") { _, _ in metadata(openID: false) }
        router.get("oauth2/default/.well-known/openid-configuration") { _, _ in metadata(openID: true) }
        router.post("oauth2/default/v1/token") { request, context in await token(request, context: context) }
        router.get("oauth2/default/v1/keys") { _, _ in await keys() }
        router.post("oauth2/default/v1/introspect") { request, context in await introspect(request, context: context) }
        router.post("oauth2/default/v1/revoke") { request, context in await revoke(request, context: context) }
        AdminRoutes(control: control, adminToken: adminToken).add(to: router)
        return router
    }

    // MARK: Discovery

    private func metadata(openID: Bool) -> Response {
        guard let endpoints = addresses.endpoints else { return Self.starting }
        let authMethods = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
        var document: [String: Any] = [
            "issuer": endpoints.issuer.absoluteString,
            "token_endpoint": endpoints.tokenEndpoint.absoluteString,
            "jwks_uri": endpoints.jwksURI.absoluteString,
            "introspection_endpoint": endpoints.introspectionEndpoint.absoluteString,
            "revocation_endpoint": endpoints.revocationEndpoint.absoluteString,
            "grant_types_supported": ["client_credentials"],
            // No authorization endpoint: a client-credentials-only server supports no response type.
            "response_types_supported": [String](),
            "scopes_supported": knownScopes,
            "token_endpoint_auth_methods_supported": authMethods,
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
            "introspection_endpoint_auth_methods_supported": authMethods,
            "revocation_endpoint_auth_methods_supported": authMethods,
        ]
        if openID {
            document["subject_types_supported"] = ["public"]
            document["id_token_signing_alg_values_supported"] = ["RS256"]
        }
        return DemoHTTP.json(document)
    }

    private func keys() async -> Response {
        do {
            var headers = HTTPFields()
            headers[.cacheControl] = "max-age=300"
            return DemoHTTP.json(encoding: try await keyRing.jwks(), headers: headers)
        } catch {
            logger.error("could not publish the JWKS", metadata: ["error": "\(error)"])
            return OAuthProtocolError.serverError("the key set could not be built").response
        }
    }

    // MARK: Token

    private func token(_ request: Request, context: DemoRequestContext) async -> Response {
        do throws(OAuthProtocolError) {
            guard let endpoints = addresses.endpoints else { return Self.starting }
            let parameters = try await DemoHTTP.formParameters(request, context: context)
            try injectTokenFault()
            let client = try await registry.authenticate(
                request: request, parameters: parameters, audiences: endpoints.assertionAudiences)
            guard let grantType = parameters["grant_type"], !grantType.isEmpty else {
                throw .invalidRequest("grant_type is missing")
            }
            guard grantType == "client_credentials" else {
                throw .unsupportedGrantType("only client_credentials is supported")
            }
            guard client.mayRequestTokens else {
                throw .unauthorizedClient("client \"\(client.clientID)\" may not use the client_credentials grant")
            }
            let scopes = try grantedScopes(requested: parameters["scope"], client: client)
            return try await issue(to: client, scopes: scopes, issuer: endpoints.issuer.absoluteString)
        } catch {
            logger.debug("token request refused", metadata: ["error": "\(error.code)", "status": "\(error.status.code)"])
            return error.response
        }
    }

    private func injectTokenFault() throws(OAuthProtocolError) {
        let current = faults.current
        guard current.tokenErrorRate > 0, random.unit() < current.tokenErrorRate else { return }
        switch current.tokenFaultKind {
        case .unavailable: throw .temporarilyUnavailable(retryAfter: current.retryAfterSeconds)
        case .serverError: throw .serverError("injected fault: the token endpoint failed")
        }
    }

    /// The requested scopes, each allowed for the client; all of its scopes when none are asked for.
    private func grantedScopes(requested: String?, client: RegisteredClient) throws(OAuthProtocolError) -> [String] {
        let asked = (requested ?? "").split(separator: " ").map(String.init)
        guard !asked.isEmpty else { return client.scopes }
        var granted: [String] = []
        for scope in asked where !granted.contains(scope) {
            guard scope.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" }) else {
                throw .invalidScope("the scope parameter holds characters RFC 6749 §3.3 does not allow")
            }
            guard client.scopes.contains(scope) else {
                throw .invalidScope("scope \"\(scope.prefix(64))\" is not allowed for client \"\(client.clientID)\"")
            }
            granted.append(scope)
        }
        return granted
    }

    private func issue(to client: RegisteredClient, scopes: [String], issuer: String) async throws(OAuthProtocolError) -> Response {
        let now = clock.now()
        let issuedAt = Int(now.timeIntervalSince1970)
        let lifetime = client.lifetime.wholeSeconds
        let claims = AccessTokenClaims(
            iss: issuer, sub: client.clientID, aud: audience, exp: issuedAt + lifetime, iat: issuedAt,
            jti: "AT." + random.token(byteCount: 18), client_id: client.clientID,
            scope: scopes.joined(separator: " "), scp: scopes, cid: client.clientID)
        let accessToken: String
        do {
            accessToken = try await keyRing.sign(claims)
        } catch {
            logger.error("signing an access token failed", metadata: ["error": "\(error)"])
            throw .serverError("the access token could not be signed")
        }
        await ledger.record(token: accessToken, claims: claims)
        logger.debug(
            "issued a token", metadata: ["client_id": "\(client.clientID)", "jti": "\(claims.jti)", "expires_in": "\(lifetime)"])
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        headers[.init("Pragma")!] = "no-cache"
        return DemoHTTP.json(
            [
                "access_token": accessToken, "token_type": "Bearer", "expires_in": lifetime,
                "scope": claims.scope,
            ], headers: headers)
    }

    // MARK: Introspection and revocation

    private func introspect(_ request: Request, context: DemoRequestContext) async -> Response {
        do throws(OAuthProtocolError) {
            guard let endpoints = addresses.endpoints else { return Self.starting }
            let parameters = try await DemoHTTP.formParameters(request, context: context)
            _ = try await registry.authenticate(
                request: request, parameters: parameters, audiences: endpoints.assertionAudiences)
            guard let token = parameters["token"], !token.isEmpty else {
                throw .invalidRequest("token is missing")
            }
            var headers = HTTPFields()
            headers[.cacheControl] = "no-store"
            // Active means issued here, not revoked, not expired, and signed by a key still published.
            guard let claims = await ledger.activeClaims(of: token), (try? await keyRing.verify(token)) != nil else {
                return DemoHTTP.json(["active": false], headers: headers)
            }
            return DemoHTTP.json(
                [
                    "active": true, "scope": claims.scope, "client_id": claims.client_id, "sub": claims.sub,
                    "exp": claims.exp, "iat": claims.iat, "iss": claims.iss, "aud": claims.aud,
                    "token_type": "Bearer", "jti": claims.jti,
                ], headers: headers)
        } catch {
            return error.response
        }
    }

    private func revoke(_ request: Request, context: DemoRequestContext) async -> Response {
        do throws(OAuthProtocolError) {
            guard let endpoints = addresses.endpoints else { return Self.starting }
            let parameters = try await DemoHTTP.formParameters(request, context: context)
            let client = try await registry.authenticate(
                request: request, parameters: parameters, audiences: endpoints.assertionAudiences)
            guard let token = parameters["token"], !token.isEmpty else {
                throw .invalidRequest("token is missing")
            }
            switch await ledger.revoke(token: token, by: client.clientID) {
            case .revoked:
                logger.debug("revoked a token", metadata: ["client_id": "\(client.clientID)"])
            case .unknown:
                break
            case .belongsToAnotherClient:
                throw .unauthorizedClient("the token was not issued to client \"\(client.clientID)\"")
            }
            var headers = HTTPFields()
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers)
        } catch {
            return error.response
        }
    }

    /// Before both servers listen, the URLs to answer with are not known yet.
    private static var starting: Response {
        OAuthProtocolError(
            status: .serviceUnavailable, code: "temporarily_unavailable", detail: "the demo server is starting",
            retryAfterSeconds: 1
        ).response
    }
}

/// Adds the injected latency before every answer but the admin endpoints'.
struct LatencyMiddleware: RouterMiddleware {
    typealias Context = DemoRequestContext
    let faults: FaultSwitch

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let latency = faults.current.latency
        if latency > .zero, !request.uri.path.hasPrefix("/admin") {
            try await Task.sleep(for: latency)
        }
        return try await next(request, context)
    }
}
