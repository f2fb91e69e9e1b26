import Foundation
import JOSESupport
import Logging
import NIOHTTP1
import TokenConfig
import TokenModel

/// Talks to the authorization server and the protected endpoint of one configured client.
///
/// Its `async throws(OAuthError)` methods stay in this file: moved into an extension in another
/// file (introspection and revocation, tried), the Swift 6.3.1 build crashed at run time when
/// `TokenManager` called them (a job resumed at a bad address, `DiagnosisOnDemoTests`).
public actor AuthorizationClient: AuthorizationService {
    public nonisolated let configuration: ClientConfiguration
    private let transport: HTTPTransport
    private let now: @Sendable () -> Date
    private let logger: Logger
    private var endpoints: Endpoints?
    private var keySet: JWKSCache?
    /// Where the key set of a client that names none was looked for (see `KeySetLocator`).
    private var keySetSearch = KeySetSearch.notTried
    /// Where a generated DPoP key is kept (`XDG_STATE_HOME`, `HOME`).
    private let environment: [String: String]
    private var dpopKey: DPoPKey?
    private var clientCertificate: ClientCertificate?
    /// What the last federated client assertion sent said of itself (`iss`, `sub`, `aud`, `exp`).
    private var lastAssertion: CredentialExpiry?
    /// The newest `DPoP-Nonce` of each server origin (RFC 9449 §8, §9).
    private var dpopNonces: [String: String] = [:]
    /// The `ath` hashes of the last tokens the server issued as Bearer although a proof was
    /// sent: those go to the API as bearer tokens.
    private var unboundTokenHashes: [String] = []
    /// The rate-limit budget the token endpoint stated in its latest answer.
    private var tokenEndpointBudget: RateLimitBudget?
    /// Warnings from discovery, for the operator.
    public private(set) var warnings: [String] = []

    /// - Parameter environment: where `XDG_STATE_HOME` and `HOME` are read, to keep a DPoP key.
    public init(
        configuration: ClientConfiguration, transport: HTTPTransport, logger: Logger = Logger(label: "tokentop.oauth"),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.configuration = configuration
        self.transport = transport
        // Every line this client logs names it.
        var logger = logger
        logger[metadataKey: "client"] = "\(configuration.name)"
        self.logger = logger
        self.environment = environment
        self.now = now
    }

    /// The client's DPoP key, loaded or made once; nil when `dpop` is off.
    private func proofKey() async throws(OAuthError) -> DPoPKey? {
        guard configuration.dpop else { return nil }
        if let dpopKey { return dpopKey }
        let key = try await DPoPKey.load(for: configuration, environment: environment)
        dpopKey = key
        return key
    }

    /// The RFC 7638 thumbprint of the client's DPoP key; nil when `dpop` is off.
    public func dpopThumbprint() async throws(OAuthError) -> String? {
        try await proofKey()?.thumbprint
    }

    /// A DPoP proof for presenting `accessToken` in one `method` request to `url` (RFC 9449 §7,
    /// with `ath`), for a program that sends the request itself (`tokentop token --dpop-proof`).
    public func presentationProof(method: String, url: URL, accessToken: String) async throws(OAuthError) -> String {
        guard let key = try await proofKey() else {
            throw OAuthError.configuration(
                "client \(configuration.name) does not use DPoP (dpop: true), so there is no proof to make")
        }
        return try await key.proof(
            method: method, url: url, nonce: dpopNonces[URLText.origin(of: url)], accessToken: accessToken, now: now())
    }

    /// The client's TLS certificate, read and checked once; nil when none is configured.
    public func tlsCertificate() throws(OAuthError) -> ClientCertificate? {
        if let clientCertificate { return clientCertificate }
        guard let certificateFile = configuration.tlsClientCertificateFile, let keyFile = configuration.tlsClientKeyFile
        else { return nil }
        let loaded = try ClientCertificate.load(certificateFile: certificateFile, keyFile: keyFile, client: configuration.name)
        clientCertificate = loaded
        return loaded
    }

    /// The endpoints, discovering them from `issuer-uri` once when the configuration
    /// does not name them all.
    public func resolvedEndpoints() async throws(OAuthError) -> Endpoints {
        if let endpoints { return endpoints }
        var metadata: AuthorizationServerMetadata?
        var discoveryFailed = false
        let needsDiscovery =
            configuration.tokenURI == nil || configuration.jwkSetURI == nil
            || configuration.introspectionURI == nil || configuration.revocationURI == nil
        if let issuer = configuration.issuerURI, needsDiscovery {
            do {
                let found = try await MetadataDiscovery.discover(
                    issuer: issuer, transport: transport, timeout: configuration.timeout, caFile: configuration.caFile,
                    allowInsecureHTTP: configuration.allowInsecureHTTP)
                metadata = found.metadata
                warnings = found.warnings
                for warning in found.warnings {
                    logger.warning("discovery warning", metadata: ["warning": "\(warning)"])
                }
            } catch {
                // With a token-uri the client still works; only the extras are lost, until
                // discovery is tried again on the next call.
                guard configuration.tokenURI != nil else { throw error }
                discoveryFailed = true
                warnings.append("discovery failed, using token-uri only: \(error.description)")
                logger.warning("discovery failed", metadata: ["error": "\(error.description)"])
            }
        }
        // A client that presents a certificate calls the server's mTLS aliases (RFC 8705 §5).
        let aliases = configuration.tlsClientCertificateFile == nil ? [:] : metadata?.mtlsEndpointAliases ?? [:]
        guard let token = configuration.tokenURI ?? aliases["token_endpoint"] ?? metadata?.tokenEndpoint else {
            throw OAuthError.discovery(
                "no token endpoint: set token-uri, or an issuer-uri whose metadata has token_endpoint", endpoint: nil)
        }
        let resolved = Endpoints(
            token: token,
            introspection: configuration.introspectionURI ?? aliases["introspection_endpoint"] ?? metadata?.introspectionEndpoint,
            revocation: configuration.revocationURI ?? aliases["revocation_endpoint"] ?? metadata?.revocationEndpoint,
            jwks: configuration.jwkSetURI ?? metadata?.jwksURI,
            issuer: configuration.expectedIssuer ?? metadata?.issuer ?? configuration.issuerURI?.absoluteString)
        if !discoveryFailed { endpoints = resolved }
        return resolved
    }

    public func requestToken() async throws(OAuthError) -> IssuedToken {
        let endpoints = try await resolvedEndpoints()
        var parameters: [(String, String)] = [("grant_type", "client_credentials")]
        if !configuration.scopes.isEmpty { parameters.append(("scope", configuration.scopes.joined(separator: " "))) }
        if let audience = configuration.audience { parameters.append(("audience", audience)) }
        for resource in configuration.resources { parameters.append(("resource", resource)) }
        for (key, value) in configuration.extraTokenParameters.sorted(by: { $0.key < $1.key }) {
            parameters.append((key, value))
        }
        let key = try await proofKey()
        let certificate = try tlsCertificate()
        let endpoint = URLText.describe(endpoints.token)
        var nonceRetried = false
        while true {
            var headers: [(name: String, value: String)] = []
            if let key {
                let nonce = dpopNonces[URLText.origin(of: endpoints.token)]
                headers.append(
                    (
                        "DPoP",
                        try await key.proof(method: "POST", url: endpoints.token, nonce: nonce, accessToken: nil, now: now())
                    ))
            }
            let (response, sent) = try await authenticatedPost(
                parameters, to: endpoints.token, endpoints: endpoints, headers: headers, certificate: certificate)
            let nonceGiven = rememberNonce(response, from: endpoints.token)
            rememberBudget(response, endpoints: endpoints)
            guard (200..<300).contains(response.status) else {
                // A refusal for what this client does not send (a DPoP proof, an assertion, a
                // certificate) is a configuration error: retries halt and the next step says which.
                let refusal = rejection(response, at: endpoints.token, sent: sent)
                let error = refusal.requiring(
                    ClientRequirement.named(
                        by: refusal, sentProof: key != nil,
                        sentAssertion: configuration.authenticationMethod == .privateKeyJWT,
                        presentedCertificate: certificate != nil))
                guard key != nil, error.oauthCode == .useDPoPNonce else { throw error }
                // One retry with the nonce given (RFC 9449 §8); a server that wants yet another
                // one gets no loop of requests.
                if nonceGiven, !nonceRetried {
                    nonceRetried = true
                    logger.info("the token endpoint asked for a DPoP nonce; retrying once with it")
                    continue
                }
                throw error.hinting(
                    nonceRetried
                        ? "the server refused the DPoP nonce it had just sent and asked for another; tokentop retries once"
                        : "the server asked for a DPoP nonce but sent no DPoP-Nonce header")
            }
            var token = try TokenResponseParser.parseSuccess(
                response.body, issuedAt: now(), endpoint: endpoint, dpop: key != nil, sent: sent)
            token.binding = binding(of: token, key: key, certificate: certificate)
            token.nonceRetried = nonceRetried
            if token.binding.dpopIgnored {
                unboundTokenHashes = Array((unboundTokenHashes + [JWKThumbprint.accessTokenHash(token.accessToken)]).suffix(4))
                logger.warning("\(TokenBinding.dpopIgnoredReason)")
            }
            let expiresAt = token.expiresAt.map(TimeText.iso8601) ?? "unknown"
            logger.info(
                "token issued",
                metadata: ["token": "\(token.masked)", "binding": "\(token.binding.display)", "expires_at": "\(expiresAt)"])
            return token
        }
    }

    /// How `token` is bound, from its type and `cnf`, beside the local key and certificate.
    private func binding(of token: IssuedToken, key: DPoPKey?, certificate: ClientCertificate?) -> TokenBinding {
        let confirmation = TokenBinding.Confirmation(token.decoded.claims["cnf"])
        let isDPoP = token.tokenType.lowercased() == "dpop"
        let method: TokenBinding.Method = isDPoP ? .dpop : confirmation.x5tS256 != nil ? .mtls : .bearer
        return TokenBinding(
            method: method, localKeyThumbprint: key?.thumbprint, localCertificateThumbprint: certificate?.thumbprint,
            confirmation: confirmation, dpopIgnored: key != nil && !isDPoP)
    }

    /// Keeps the `DPoP-Nonce` a server sent, the newest per origin; true when there was one.
    private func rememberNonce(_ response: ReceivedResponse, from url: URL) -> Bool {
        guard let nonce = DPoPNonce.accepted(response.headers.first(name: "DPoP-Nonce")) else { return false }
        dpopNonces[URLText.origin(of: url)] = nonce
        return true
    }

    /// Keeps the rate-limit budget the token endpoint's answer states, when it states one.
    private func rememberBudget(_ response: ReceivedResponse, endpoints: Endpoints) {
        let issuer = endpoints.issuer.map { TerminalText.sanitize($0) } ?? URLText.origin(of: endpoints.token)
        guard
            let budget = RateLimitHeaders.budget(
                in: response.headers, issuer: issuer, endpoint: URLText.describe(endpoints.token), now: now())
        else { return }
        tokenEndpointBudget = budget
    }

    public func verify(_ accessToken: String, receivedAt: Date) async -> SignatureVerdict {
        await verification(of: accessToken, receivedAt: receivedAt).verdict
    }

    /// The signature and the claims checked apart, with this client's key set, issuer and audience.
    public func verification(of accessToken: String, receivedAt: Date? = nil) async -> TokenVerification {
        let endpoints: Endpoints
        do {
            endpoints = try await resolvedEndpoints()
        } catch {
            return TokenVerification(signature: SignatureVerdict(.unverified, "endpoints unknown: \(error.reason)"))
        }
        if keySet == nil {
            var jwks = endpoints.jwks
            if jwks == nil { jwks = await locateKeySet(for: accessToken, tokenEndpoint: endpoints.token) }
            keySet = jwks.map(makeKeySet)
        }
        if keySet == nil, case .jwt = TokenDecoder.inspect(accessToken) {
            let (detail, retryAt) = keySetSearch.notFound
            return TokenVerification(
                signature: SignatureVerdict(.notChecked, TokenVerifier.noKeySet + ": " + detail, recheckAt: retryAt))
        }
        let verifier = TokenVerifier(
            keys: keySet, expectedIssuer: endpoints.issuer ?? keySetSearch.issuer,
            expectedAudience: configuration.expectedAudiences.isEmpty ? configuration.audience : nil,
            alsoAcceptedAudiences: configuration.expectedAudiences,
            leeway: .seconds(60), now: now)
        return await verifier.check(accessToken, receivedAt: receivedAt)
    }

    /// A key-set cache fetching with this client's transport rules.
    private func makeKeySet(_ url: URL) -> JWKSCache {
        let transport = self.transport
        let configuration = self.configuration
        return JWKSCache(url: url, now: now) { url in
            let response = try await transport.send(
                OutgoingRequest(
                    method: .get, url: url, headers: [("Accept", "application/json")],
                    timeout: configuration.timeout, caFile: configuration.caFile,
                    allowInsecureHTTP: configuration.allowInsecureHTTP))
            guard response.status == 200 else {
                throw TokenResponseParser.parseError(response, endpoint: URLText.describe(url), now: Date())
            }
            return JWKSDocument(
                data: response.body,
                maxAge: JWKSDocument.maxAge(fromCacheControl: response.headers.first(name: "Cache-Control")))
        }
    }

    /// The key set of a JWT whose configuration names none, through discovery; nil when none
    /// is found (`keySetSearch` says why, and when to look again).
    private func locateKeySet(for accessToken: String, tokenEndpoint: URL) async -> URL? {
        guard case .jwt(let decoded) = TokenDecoder.inspect(accessToken) else { return nil }
        switch keySetSearch {
        case .none: return nil
        case .retry(let at, _) where at > now(): return nil
        default: break
        }
        let locator = KeySetLocator(
            transport: transport, timeout: configuration.timeout, caFile: configuration.caFile,
            allowInsecureHTTP: configuration.allowInsecureHTTP)
        switch await locator.locate(tokenEndpoint: tokenEndpoint, tokenIssuer: decoded.issuer) {
        case .found(let located):
            keySetSearch = .found(issuer: located.issuer)
            logger.info("key set discovered", metadata: ["jwks_uri": "\(URLText.describe(located.jwksURI))"])
            return located.jwksURI
        case .none(let why):
            keySetSearch = .none(why)
        case .unreachable(let why):
            keySetSearch = .retry(at: now().addingTimeInterval(KeySetStatus.minimumRefetchInterval.timeInterval), why)
        }
        return nil
    }

    public func introspect(_ accessToken: String) async throws(OAuthError) -> IntrospectionResult {
        let (response, url) = try await postToken(accessToken, to: \.introspection, naming: "introspection")
        let endpoint = URLText.describe(url)
        guard let fields = JSONValue(data: response.body)?.objectValue else {
            throw OAuthError.invalidResponse("introspection answer is not a JSON object", endpoint: endpoint, httpStatus: 200)
        }
        guard let active = fields["active"]?.boolValue else {
            throw OAuthError.invalidResponse(
                "introspection answer has no \"active\" (RFC 7662 §2.2)", endpoint: endpoint, httpStatus: 200)
        }
        return IntrospectionResult(active: active, fields: fields, checkedAt: now())
    }

    public func revoke(_ accessToken: String) async throws(OAuthError) {
        _ = try await postToken(accessToken, to: \.revocation, naming: "revocation")
        logger.info("token revoked", metadata: ["token": "\(Redaction.mask(accessToken))"])
    }

    /// Calls `resource-uri` with the token: `Bearer`, or `DPoP` with a proof carrying `ath`
    /// (RFC 9449 §7) and the client certificate when one is configured. A `use_dpop_nonce`
    /// challenge is answered once with the nonce given. Redirects are followed only within the
    /// same origin, so the token never travels to another host.
    public func callResource(_ accessToken: String) async -> ResourceResponse? {
        guard var url = configuration.resourceURI else { return nil }
        let origin = URLText.origin(of: url)
        let started = ContinuousClock.now
        let at = now()
        func failed(_ error: OAuthError, status: Int? = nil) -> ResourceResponse {
            ResourceResponse(
                status: status ?? error.httpStatus, latency: ContinuousClock.now - started, at: at, bodyExcerpt: "",
                failure: error)
        }
        let key: DPoPKey?
        let certificate: ClientCertificate?
        do {
            // A token the server issued as Bearer despite the proof is sent as what it is.
            let unbound = unboundTokenHashes.contains(JWKThumbprint.accessTokenHash(accessToken))
            key = unbound ? nil : try await proofKey()
            certificate = try tlsCertificate()
        } catch {
            return failed(error)
        }
        var redirects = 0
        var nonceRetried = false
        while true {
            var headers: [(name: String, value: String)] = [("Authorization", "Bearer \(accessToken)")]
            if let key {
                do {
                    let proof = try await key.proof(
                        method: "GET", url: url, nonce: dpopNonces[URLText.origin(of: url)], accessToken: accessToken, now: now())
                    headers = [("Authorization", "DPoP \(accessToken)"), ("DPoP", proof)]
                } catch {
                    return failed(error)
                }
            }
            let response: ReceivedResponse
            do {
                response = try await transport.send(
                    OutgoingRequest(
                        method: .get, url: url, headers: headers, timeout: configuration.timeout, caFile: configuration.caFile,
                        allowInsecureHTTP: configuration.allowInsecureHTTP, clientCertificate: certificate))
            } catch {
                return failed(error)
            }
            let nonceGiven = rememberNonce(response, from: url)
            if (300..<400).contains(response.status), let location = response.headers.first(name: "Location"),
                let next = URL(string: location, relativeTo: url)?.absoluteURL
            {
                guard URLText.origin(of: next) == origin else {
                    return failed(
                        .redirectRefused(
                            to: "another origin (\(URLText.describe(next))); the token stays with \(origin)",
                            endpoint: URLText.describe(url), httpStatus: response.status), status: response.status)
                }
                redirects += 1
                guard redirects <= 5 else {
                    return failed(.invalidResponse("more than 5 redirects", endpoint: URLText.describe(url)))
                }
                url = next
                continue
            }
            let challenge = response.headers.first(name: "WWW-Authenticate")
            if key != nil, response.status == 401, nonceGiven, !nonceRetried,
                (challenge.map(AuthenticationChallenge.parse) ?? []).contains(where: {
                    $0.scheme.lowercased() == "dpop" && $0.error == .useDPoPNonce
                })
            {
                nonceRetried = true
                continue
            }
            // An API that echoes the token (a debug endpoint, an error page) must not put it on
            // the screen, in `check --json` or in `serve`'s answers: it is masked here, once.
            let masked = { (text: String) in text.replacingOccurrences(of: accessToken, with: Redaction.mask(accessToken)) }
            return ResourceResponse(
                status: response.status, latency: ContinuousClock.now - started, at: at,
                wwwAuthenticate: challenge.map { masked(TerminalText.sanitize($0)) },
                bodyExcerpt: masked(
                    TerminalText.sanitize(String(decoding: response.body.prefix(4096), as: UTF8.self), singleLine: false)),
                nonceRetried: nonceRetried)
        }
    }

    /// The error an endpoint answered with, secrets masked. When a `private_key_jwt` client is
    /// refused over the assertion's `aud`, the error says what was sent and which setting helps:
    /// servers disagree about the audience (RFC 7523 §3, OpenID Connect Core §9).
    /// Posts `accessToken` with its type hint to the introspection or revocation endpoint
    /// (RFC 7662 §2.1, RFC 7009 §2.1), authenticated as a token request is; anything but 200 is
    /// the server's refusal. Answers the 200 response and the URL it came from.
    private func postToken(
        _ accessToken: String, to endpoint: KeyPath<Endpoints, URL?>, naming name: String
    ) async throws(OAuthError) -> (ReceivedResponse, URL) {
        let endpoints = try await resolvedEndpoints()
        guard let url = endpoints[keyPath: endpoint] else {
            throw OAuthError.configuration(
                "\(configuration.name) has no \(name) endpoint: set \(name)-uri or use an issuer that publishes one")
        }
        let (response, sent) = try await authenticatedPost(
            [("token", accessToken), ("token_type_hint", "access_token")], to: url, endpoints: endpoints,
            certificate: try tlsCertificate())
        guard response.status == 200 else {
            throw rejection(response, at: url, sent: sent + [accessToken])
        }
        return (response, url)
    }

    private func rejection(_ response: ReceivedResponse, at url: URL, sent: [String]) -> OAuthError {
        let error = TokenResponseParser.parseError(response, endpoint: URLText.describe(url), now: now()).redacting(sent)
        guard configuration.authenticationMethod == .privateKeyJWT, error.oauthCode == .invalidClient,
            error.serverDescription?.range(of: "aud", options: .caseInsensitive) != nil
        else { return error }
        let audiences =
            endpoints.map {
                ClientAuthenticator.assertionAudiences(
                    configuration.clientAssertionAudience, calling: url, tokenEndpoint: $0.token, issuer: $0.issuer)
            } ?? []
        return error.hinting(
            "the client assertion's aud was \(audiences.joined(separator: ", ")); set client-assertion-audience to "
                + "endpoint, token-endpoint, issuer or the URL this server expects")
    }

    /// A POST with client authentication; a redirect here is an error, never followed.
    /// Returns the answer and the credential that was sent, for masking in errors.
    private func authenticatedPost(
        _ parameters: [(String, String)], to url: URL, endpoints: Endpoints, headers: [(name: String, value: String)] = [],
        certificate: ClientCertificate?
    ) async throws(OAuthError) -> (response: ReceivedResponse, sentSecrets: [String]) {
        if configuration.authenticationMethod.authenticatesWithTLSCertificate, url.scheme?.lowercased() != "https" {
            throw OAuthError.configuration(
                "client \(configuration.name): \(configuration.authenticationMethod.rawValue) presents the certificate in "
                    + "the TLS handshake, so \(URLText.describe(url)) must be https")
        }
        let audiences = ClientAuthenticator.assertionAudiences(
            configuration.clientAssertionAudience, calling: url, tokenEndpoint: endpoints.token, issuer: endpoints.issuer)
        let credentials = try await ClientAuthenticator(configuration: configuration).credentials(
            audiences: audiences, now: now())
        if let assertion = credentials.assertion { lastAssertion = assertion }
        let response = try await transport.send(
            .form(
                parameters + credentials.parameters, to: url, headers: credentials.headers + headers,
                timeout: configuration.timeout, caFile: configuration.caFile,
                allowInsecureHTTP: configuration.allowInsecureHTTP, clientCertificate: certificate))
        if (300..<400).contains(response.status) {
            throw OAuthError.redirectRefused(
                to: response.headers.first(name: "Location") ?? "(no Location)", endpoint: URLText.describe(url),
                httpStatus: response.status
            ).redacting(credentials.secrets)
        }
        return (response, credentials.secrets)
    }

    public func watchKeySet() async -> Bool {
        guard let keySet else {
            // Not looked at yet: the first verification fetches it.
            return false
        }
        return await keySet.refreshIfStale()
    }

    public func refetchKeySet() async -> Date? {
        await keySet?.refetch()
    }

    public func keySetRevision() async -> Int {
        await keySet?.revision ?? 0
    }

    public func diagnostics() async -> ServerDiagnostics {
        var urls = [configuration.tokenURI, configuration.resourceURI, configuration.jwkSetURI].compactMap { $0 }
        if let endpoints { urls += [endpoints.token] + [endpoints.jwks].compactMap { $0 } }
        var seen: Set<String> = []
        let readings = urls.compactMap { url -> ClockReading? in
            guard seen.insert(URLText.origin(of: url)).inserted else { return nil }
            return transport.clockReading(for: url)
        }
        return ServerDiagnostics(
            clockReadings: readings, keySet: await keySet?.status(), keySetStaleAt: await keySet?.staleAt,
            keySetRevision: await keySet?.revision ?? 0, tokenEndpointBudget: tokenEndpointBudget,
            credentials: CredentialInventory.credentials(of: configuration, assertion: lastAssertion))
    }
}
