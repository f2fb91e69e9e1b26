import Foundation
import JOSESupport
import Logging
import NIOHTTP1
import TokenConfig
import TokenModel

/// What the token manager needs from the servers of one client. `AuthorizationClient` is
/// the real one; tests substitute their own.
public protocol AuthorizationService: Sendable {
    /// Fetches a new access token with the client credentials grant.
    func requestToken() async throws(OAuthError) -> IssuedToken
    /// Checks a token's signature and claims against the issuer's key set.
    func verify(_ accessToken: String) async -> SignatureVerdict
    /// Asks the authorization server about a token (RFC 7662).
    func introspect(_ accessToken: String) async throws(OAuthError) -> IntrospectionResult
    /// Revokes a token (RFC 7009).
    func revoke(_ accessToken: String) async throws(OAuthError)
    /// Calls `resource-uri` with the token; nil when the client has none.
    func callResource(_ accessToken: String) async -> ResourceResponse?
}

/// Talks to the authorization server and the protected endpoint of one configured client.
public actor AuthorizationClient: AuthorizationService {
    /// The endpoints in use, from the configuration and discovery.
    public struct Endpoints: Sendable, Equatable {
        public var token: URL
        public var introspection: URL?
        public var revocation: URL?
        public var jwks: URL?
        public var issuer: String?
    }

    public nonisolated let configuration: ClientConfiguration
    private let transport: HTTPTransport
    private let now: @Sendable () -> Date
    private let logger: Logger
    private var endpoints: Endpoints?
    private var keySet: JWKSCache?
    /// Warnings from discovery, for the operator.
    public private(set) var warnings: [String] = []

    public init(
        configuration: ClientConfiguration, transport: HTTPTransport, logger: Logger = Logger(label: "tokentop.oauth"),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        self.now = now
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
                for warning in found.warnings { logger.warning("\(configuration.name): \(warning)") }
            } catch {
                // With a token-uri the client still works; only the extras are lost, until
                // discovery is tried again on the next call.
                guard configuration.tokenURI != nil else { throw error }
                discoveryFailed = true
                warnings.append("discovery failed, using token-uri only: \(error.description)")
                logger.warning("\(configuration.name): discovery failed: \(error.description)")
            }
        }
        guard let token = configuration.tokenURI ?? metadata?.tokenEndpoint else {
            throw OAuthError.discovery(
                "no token endpoint: set token-uri, or an issuer-uri whose metadata has token_endpoint", endpoint: nil)
        }
        let resolved = Endpoints(
            token: token,
            introspection: configuration.introspectionURI ?? metadata?.introspectionEndpoint,
            revocation: configuration.revocationURI ?? metadata?.revocationEndpoint,
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
        let (response, sent) = try await authenticatedPost(parameters, to: endpoints.token, endpoints: endpoints)
        let endpoint = HTTPTransport.describe(endpoints.token)
        guard (200..<300).contains(response.status) else {
            throw rejection(response, at: endpoints.token, sent: sent)
        }
        let token = try TokenResponseParser.parseSuccess(response.body, issuedAt: now(), endpoint: endpoint)
        logger.info("\(configuration.name): token issued, \(token.masked), expires \(token.expiresAt.map { "\($0)" } ?? "unknown")")
        return token
    }

    public func verify(_ accessToken: String) async -> SignatureVerdict {
        let endpoints: Endpoints
        do {
            endpoints = try await resolvedEndpoints()
        } catch {
            return SignatureVerdict(.unverified, "endpoints unknown: \(error.reason)")
        }
        if keySet == nil, let jwks = endpoints.jwks {
            let transport = self.transport
            let configuration = self.configuration
            keySet = JWKSCache(url: jwks, now: now) { url in
                let response = try await transport.send(
                    OutgoingRequest(
                        method: .get, url: url, headers: [("Accept", "application/json")],
                        timeout: configuration.timeout, caFile: configuration.caFile,
                        allowInsecureHTTP: configuration.allowInsecureHTTP))
                guard response.status == 200 else {
                    throw TokenResponseParser.parseError(response, endpoint: HTTPTransport.describe(url), now: Date())
                }
                return response.body
            }
        }
        let verifier = TokenVerifier(
            keys: keySet, expectedIssuer: endpoints.issuer,
            expectedAudience: configuration.expectedAudiences.isEmpty ? configuration.audience : nil,
            alsoAcceptedAudiences: configuration.expectedAudiences,
            leeway: .seconds(60), now: now)
        return await verifier.verify(accessToken)
    }

    public func introspect(_ accessToken: String) async throws(OAuthError) -> IntrospectionResult {
        let endpoints = try await resolvedEndpoints()
        guard let url = endpoints.introspection else {
            throw OAuthError.configuration(
                "\(configuration.name) has no introspection endpoint: set introspection-uri or use an issuer that publishes one")
        }
        let (response, sent) = try await authenticatedPost(
            [("token", accessToken), ("token_type_hint", "access_token")], to: url, endpoints: endpoints)
        let endpoint = HTTPTransport.describe(url)
        guard response.status == 200 else {
            throw rejection(response, at: url, sent: sent + [accessToken])
        }
        guard let fields = JSONValue(data: response.body)?.objectValue else {
            throw OAuthError.invalidResponse("introspection answer is not a JSON object", endpoint: endpoint, httpStatus: 200)
        }
        guard let active = fields["active"]?.boolValue else {
            throw OAuthError.invalidResponse("introspection answer has no \"active\" (RFC 7662 §2.2)", endpoint: endpoint, httpStatus: 200)
        }
        return IntrospectionResult(active: active, fields: fields, checkedAt: now())
    }

    public func revoke(_ accessToken: String) async throws(OAuthError) {
        let endpoints = try await resolvedEndpoints()
        guard let url = endpoints.revocation else {
            throw OAuthError.configuration(
                "\(configuration.name) has no revocation endpoint: set revocation-uri or use an issuer that publishes one")
        }
        let (response, sent) = try await authenticatedPost(
            [("token", accessToken), ("token_type_hint", "access_token")], to: url, endpoints: endpoints)
        guard response.status == 200 else {
            throw rejection(response, at: url, sent: sent + [accessToken])
        }
        logger.info("\(configuration.name): token \(Redaction.mask(accessToken)) revoked")
    }

    /// Calls `resource-uri` with the bearer token. Redirects are followed only within the
    /// same origin, so the token never travels to another host.
    public func callResource(_ accessToken: String) async -> ResourceResponse? {
        guard var url = configuration.resourceURI else { return nil }
        let origin = Self.origin(of: url)
        let started = ContinuousClock.now
        let at = now()
        for _ in 0..<5 {
            let response: ReceivedResponse
            do {
                response = try await transport.send(
                    OutgoingRequest(
                        method: .get, url: url, headers: [("Authorization", "Bearer \(accessToken)")],
                        timeout: configuration.timeout, caFile: configuration.caFile,
                        allowInsecureHTTP: configuration.allowInsecureHTTP))
            } catch {
                return ResourceResponse(
                    status: error.httpStatus, latency: ContinuousClock.now - started, at: at, bodyExcerpt: "",
                    failure: error)
            }
            if (300..<400).contains(response.status), let location = response.headers.first(name: "Location"),
                let next = URL(string: location, relativeTo: url)?.absoluteURL
            {
                guard Self.origin(of: next) == origin else {
                    return ResourceResponse(
                        status: response.status, latency: ContinuousClock.now - started, at: at, bodyExcerpt: "",
                        failure: .redirectRefused(
                            to: "another origin (\(HTTPTransport.describe(next))); the token stays with \(origin)",
                            endpoint: HTTPTransport.describe(url), httpStatus: response.status))
                }
                url = next
                continue
            }
            return ResourceResponse(
                status: response.status, latency: ContinuousClock.now - started, at: at,
                wwwAuthenticate: response.headers.first(name: "WWW-Authenticate").map { TerminalText.sanitize($0) },
                bodyExcerpt: TerminalText.sanitize(String(decoding: response.body.prefix(4096), as: UTF8.self), singleLine: false))
        }
        return ResourceResponse(
            status: nil, latency: ContinuousClock.now - started, at: at, bodyExcerpt: "",
            failure: .invalidResponse("more than 5 redirects", endpoint: HTTPTransport.describe(configuration.resourceURI!)))
    }

    /// The error an endpoint answered with, secrets masked. When a `private_key_jwt` client is
    /// refused over the assertion's `aud`, the error says what was sent and which setting helps:
    /// servers disagree about the audience (RFC 7523 §3, OpenID Connect Core §9).
    private func rejection(_ response: ReceivedResponse, at url: URL, sent: [String]) -> OAuthError {
        let error = TokenResponseParser.parseError(response, endpoint: HTTPTransport.describe(url), now: now()).redacting(sent)
        guard configuration.authenticationMethod == .privateKeyJWT, error.oauthCode == .invalidClient,
            error.serverDescription?.range(of: "aud", options: .caseInsensitive) != nil
        else { return error }
        let audiences = endpoints.map {
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
        _ parameters: [(String, String)], to url: URL, endpoints: Endpoints
    ) async throws(OAuthError) -> (response: ReceivedResponse, sentSecrets: [String]) {
        let audiences = ClientAuthenticator.assertionAudiences(
            configuration.clientAssertionAudience, calling: url, tokenEndpoint: endpoints.token, issuer: endpoints.issuer)
        let credentials = try await ClientAuthenticator(configuration: configuration).credentials(audiences: audiences, now: now())
        let response = try await transport.send(
            .form(
                parameters + credentials.parameters, to: url, headers: credentials.headers,
                timeout: configuration.timeout, caFile: configuration.caFile,
                allowInsecureHTTP: configuration.allowInsecureHTTP))
        if (300..<400).contains(response.status) {
            throw OAuthError.redirectRefused(
                to: response.headers.first(name: "Location") ?? "(no Location)", endpoint: HTTPTransport.describe(url),
                httpStatus: response.status
            ).redacting(credentials.secrets)
        }
        return (response, credentials.secrets)
    }

    private static func origin(of url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(url.host?.lowercased() ?? ""):\(port)"
    }
}
