import Foundation
import Hummingbird
import JWTKit
import Logging
import TokenModel

/// The Okta-shaped authorization server: RFC 8414 discovery (no OpenID Connect discovery, which
/// requires an authorization endpoint this server does not have), `/v1/token` (client credentials only),
/// `/v1/keys`, `/v1/introspect`, `/v1/revoke`, and the loopback-only admin endpoints.
///
/// With TLS, the same routes are served on a second, mutual-TLS listener too: its token,
/// introspection and revocation endpoints are the RFC 8705 §5 `mtls_endpoint_aliases`, where
/// `tls_client_auth` clients authenticate with their certificate and every token issued to a
/// request with a certificate is bound to it (`cnf.x5t#S256`, §3).
struct AuthorizationServer: Sendable {
    let registry: ClientRegistry
    let keyRing: KeyRing
    let ledger: TokenLedger
    let addresses: DemoAddressBook
    let faults: FaultSwitch
    let control: DemoControl
    let adminToken: String
    let audience: String
    let assertionAudience: AssertionAudiencePolicy
    let keySetMaxAge: Duration
    let clock: any TokenClock
    let random: DemoRandomSource
    /// Checks DPoP proofs sent to the token endpoint.
    let dpop: DPoPVerifier
    /// The nonce proofs must carry while the `dpopNonceRequired` fault is on.
    let dpopNonce: ServerDPoPNonce
    /// The token endpoint's one bucket for every client (`--rate-limit`); nil for no limit.
    let rateLimit: RateLimitBucket?
    let logger: Logger

    /// The scopes every client may be registered with, for the metadata.
    let knownScopes: [String]

    /// The routes of the listener `listener`.
    func router(_ listener: DemoListener = .plain) -> Router<DemoRequestContext> {
        let router = Router(context: DemoRequestContext.self)
        router.add(middleware: LatencyMiddleware(faults: faults))
        router.only(.get, ".well-known/oauth-authorization-server/oauth2/default") { _, _ in try metadata() }
        router.only(.get, "oauth2/default/.well-known/oauth-authorization-server") { _, _ in try metadata() }
        router.only(.post, "oauth2/default/v1/token") { request, context in
            try await token(request, context: context, listener: listener)
        }
        router.only(.get, "oauth2/default/v1/keys") { _, _ in try await keys() }
        router.only(.post, "oauth2/default/v1/introspect") { request, context in
            try await introspect(request, context: context, listener: listener)
        }
        router.only(.post, "oauth2/default/v1/revoke") { request, context in
            try await revoke(request, context: context, listener: listener)
        }
        AdminRoutes(control: control, ledger: ledger, adminToken: adminToken).add(to: router)
        return router
    }

    // MARK: Discovery

    private func metadata() throws(OAuthProtocolError) -> AuthorizationServerMetadataDocument {
        let endpoints = try listening()
        let tls = endpoints.mtlsTokenEndpoint != nil
        let authMethods = ["client_secret_basic", "client_secret_post", "private_key_jwt"] + (tls ? ["tls_client_auth"] : [])
        // The demo's private_key_jwt clients get ES256 keys, and only those verify.
        let assertionAlgorithms = ["ES256"]
        var document = AuthorizationServerMetadataDocument(
            issuer: endpoints.issuer.absoluteString,
            token_endpoint: endpoints.tokenEndpoint.absoluteString,
            jwks_uri: endpoints.jwksURI.absoluteString,
            introspection_endpoint: endpoints.introspectionEndpoint.absoluteString,
            revocation_endpoint: endpoints.revocationEndpoint.absoluteString,
            grant_types_supported: ["client_credentials"],
            // RFC 8414 §2 requires this member and validators refuse an empty array. With no
            // authorization endpoint, "none" (OAuth 2.0 Multiple Response Type Encoding Practices
            // §5, registered with IANA) is the one value that promises nothing is returned there;
            // "code" or "token" would claim flows this server does not offer.
            response_types_supported: ["none"],
            scopes_supported: knownScopes,
            token_endpoint_auth_methods_supported: authMethods,
            token_endpoint_auth_signing_alg_values_supported: assertionAlgorithms,
            introspection_endpoint_auth_methods_supported: authMethods,
            introspection_endpoint_auth_signing_alg_values_supported: assertionAlgorithms,
            revocation_endpoint_auth_methods_supported: authMethods,
            revocation_endpoint_auth_signing_alg_values_supported: assertionAlgorithms,
            dpop_signing_alg_values_supported: DPoPVerifier.algorithms)
        if let token = endpoints.mtlsTokenEndpoint, let introspection = endpoints.mtlsIntrospectionEndpoint,
            let revocation = endpoints.mtlsRevocationEndpoint
        {
            document.tls_client_certificate_bound_access_tokens = true
            document.mtls_endpoint_aliases = .init(
                token_endpoint: token.absoluteString, introspection_endpoint: introspection.absoluteString,
                revocation_endpoint: revocation.absoluteString)
        }
        return document
    }

    private func keys() async throws -> Response {
        let jwks: JWKS
        do {
            jwks = try await keyRing.jwks()
        } catch {
            logger.error("could not publish the JWKS", metadata: ["error": "\(error)"])
            throw OAuthProtocolError.serverError("the key set could not be built")
        }
        return try DemoJSONEncoder.response(jwks, headers: [.cacheControl: "max-age=\(Int(keySetMaxAge.timeInterval))"])
    }

    // MARK: Token

    private func token(
        _ request: Request, context: DemoRequestContext, listener: DemoListener
    ) async throws(OAuthProtocolError) -> EditedResponse<TokenResponse> {
        await ledger.countTokenRequest()
        // Every answer states the budget, as Okta's do; past it, the answer is a 429.
        let budget = rateLimit?.draw()
        do throws(OAuthProtocolError) {
            if let budget, !budget.allowed { throw OAuthProtocolError.rateLimited(budget.headers) }
            let endpoints = try listening()
            let called = endpoints.reached(through: listener).tokenEndpoint
            let parameters = try await DemoHTTP.formParameters(request, context: context)
            try injectTokenFault()
            let boundKey = try await dpopBinding(request, endpoint: called)
            let identity = await context.identity(on: listener)
            let client = try await registry.authenticate(
                request: request, parameters: parameters,
                audiences: endpoints.assertionAudiences(assertionAudience, calling: called), identity: identity)
            guard let grantType = parameters["grant_type"], !grantType.isEmpty else {
                throw .invalidRequest("grant_type is missing")
            }
            guard grantType == "client_credentials" else {
                throw .unsupportedGrantType("only client_credentials is supported")
            }
            guard client.mayRequestTokens else {
                throw .unauthorizedClient("client \"\(client.clientID)\" may not use the client_credentials grant")
            }
            guard boundKey != nil || !client.requiresDPoP else {
                // Okta's words for the same refusal.
                throw .invalidDPoPProof("The DPoP proof JWT header is missing.")
            }
            let scopes = try grantedScopes(requested: parameters["scope"], client: client)
            var headers = DemoHeaders.noStore
            if let budget { headers.append(contentsOf: budget.headers) }
            return EditedResponse(
                headers: headers,
                response: try await issue(
                    to: client, scopes: scopes, issuer: endpoints.issuer.absoluteString,
                    binding: AccessTokenClaims.Confirmation(jkt: boundKey, x5tS256: identity.clientCertificate?.thumbprint)))
        } catch {
            logger.debug("token request refused", metadata: ["error": "\(error.code)", "status": "\(error.status.code)"])
            var error = error
            if let budget, budget.allowed { error.headers.append(contentsOf: budget.headers) }
            throw error
        }
    }

    /// The thumbprint of the key the request's DPoP proof holds, or nil when it carries none.
    private func dpopBinding(_ request: Request, endpoint: URL) async throws(OAuthProtocolError) -> String? {
        let proofs = request.headers[values: DemoHeaders.dpop]
        guard let proof = proofs.first else { return nil }
        guard proofs.count == 1 else { throw .invalidDPoPProof("the request carries more than one DPoP header") }
        let nonce = faults.current.dpopNonceRequired ? dpopNonce.value : nil
        do throws(DPoPProofError) {
            return try await dpop.verify(proof, method: "POST", url: endpoint, accessToken: nil, nonce: nonce)
        } catch {
            switch error.code {
            case .useNonce: throw .useDPoPNonce(dpopNonce.value, detail: error.detail)
            case .invalidProof: throw .invalidDPoPProof(error.detail)
            }
        }
    }

    private func injectTokenFault() throws(OAuthProtocolError) {
        let current = faults.current
        guard current.tokenErrorRate > 0, random.unit() < current.tokenErrorRate else { return }
        switch current.tokenFaultKind {
        case .unavailable:
            throw .temporarilyUnavailable(
                "injected fault: the token endpoint is unavailable", retryAfter: current.retryAfterSeconds)
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

    /// A token for `client`, bound to `binding`'s DPoP key and certificate when it has them.
    private func issue(
        to client: RegisteredClient, scopes: [String], issuer: String, binding: AccessTokenClaims.Confirmation?
    ) async throws(OAuthProtocolError) -> TokenResponse {
        let now = clock.now()
        let issuedAt = Int(now.timeIntervalSince1970)
        let lifetime = client.lifetime.wholeSeconds
        let claims = AccessTokenClaims(
            iss: issuer, sub: client.clientID, aud: audience, exp: issuedAt + lifetime, iat: issuedAt, nbf: issuedAt,
            jti: "AT." + random.token(byteCount: 18), client_id: client.clientID,
            scope: scopes.joined(separator: " "), scp: scopes, cid: client.clientID,
            cnf: binding)
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
        return TokenResponse(
            access_token: accessToken, token_type: binding?.jkt == nil ? "Bearer" : "DPoP", expires_in: lifetime,
            scope: claims.scope)
    }

    // MARK: Introspection and revocation

    private func introspect(
        _ request: Request, context: DemoRequestContext, listener: DemoListener
    ) async throws(OAuthProtocolError) -> EditedResponse<IntrospectionResponse> {
        let endpoints = try listening()
        let parameters = try await DemoHTTP.formParameters(request, context: context)
        _ = try await registry.authenticate(
            request: request, parameters: parameters,
            audiences: endpoints.assertionAudiences(
                assertionAudience, calling: endpoints.reached(through: listener).introspectionEndpoint),
            identity: await context.identity(on: listener))
        guard let token = parameters["token"], !token.isEmpty else {
            throw .invalidRequest("token is missing")
        }
        // Active means issued here, not revoked, not expired, and signed by a key still published.
        guard let claims = await ledger.activeClaims(of: token), (try? await keyRing.verify(token)) != nil else {
            return EditedResponse(headers: DemoHeaders.noStore, response: .inactive)
        }
        return EditedResponse(headers: DemoHeaders.noStore, response: IntrospectionResponse(claims: claims))
    }

    private func revoke(
        _ request: Request, context: DemoRequestContext, listener: DemoListener
    ) async throws(OAuthProtocolError) -> Response {
        let endpoints = try listening()
        let parameters = try await DemoHTTP.formParameters(request, context: context)
        let client = try await registry.authenticate(
            request: request, parameters: parameters,
            audiences: endpoints.assertionAudiences(
                assertionAudience, calling: endpoints.reached(through: listener).revocationEndpoint),
            identity: await context.identity(on: listener))
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
        return Response(status: .ok, headers: DemoHeaders.noStore)
    }

    /// Both servers' URLs; before both listen, they are not known yet and the answer is 503.
    private func listening() throws(OAuthProtocolError) -> DemoEndpoints {
        guard let endpoints = addresses.endpoints else {
            throw .temporarilyUnavailable("the demo server is starting", retryAfter: 1)
        }
        return endpoints
    }
}

/// Adds the injected latency before every answer but the admin endpoints'.
struct LatencyMiddleware: RouterMiddleware {
    typealias Context = DemoRequestContext
    let faults: FaultSwitch

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        let latency = faults.current.latency
        if latency > .zero, !request.uri.path.hasPrefix("/admin") {
            try await Task.sleep(for: latency)
        }
        return try await next(request, context)
    }
}
