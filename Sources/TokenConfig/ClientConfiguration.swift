import Foundation
import TokenModel

/// How a client proves its identity at the token, introspection and revocation endpoints
/// (RFC 6749 §2.3, RFC 7523).
public enum ClientAuthenticationMethod: String, Sendable, Equatable, CaseIterable {
    case clientSecretBasic = "client_secret_basic"
    case clientSecretPost = "client_secret_post"
    case privateKeyJWT = "private_key_jwt"
    /// RFC 8705 §2.1: a certificate issued by a CA the server trusts, matched on its subject.
    case tlsClientAuth = "tls_client_auth"
    /// RFC 8705 §2.2: a self-signed certificate registered with the server.
    case selfSignedTLSClientAuth = "self_signed_tls_client_auth"

    /// Whether the client proves its identity with its TLS certificate (RFC 8705 §2), so it
    /// needs `tls-client-certificate-file` and `tls-client-key-file` and no secret.
    public var authenticatesWithTLSCertificate: Bool {
        switch self {
        case .clientSecretBasic, .clientSecretPost, .privateKeyJWT: return false
        case .tlsClientAuth, .selfSignedTLSClientAuth: return true
        }
    }
}

/// The `aud` of a `private_key_jwt` client assertion (`client-assertion-audience`). Servers
/// disagree: RFC 7523 §3 allows the token endpoint, OpenID Connect Core §9 says it SHOULD be
/// the token endpoint, some servers want the issuer and others the endpoint being called.
/// When none is configured, the client sends both the called endpoint and the token endpoint.
public enum ClientAssertionAudience: Sendable, Equatable {
    /// `endpoint`: the URL of the endpoint being called (token, introspection or revocation).
    case endpoint
    /// `token-endpoint`: the token endpoint, whichever endpoint is called.
    case tokenEndpoint
    /// `issuer`: the authorization server's issuer identifier.
    case issuer
    /// An absolute URL: exactly this value.
    case url(URL)

    /// The words the setting takes besides a URL.
    public static let keywords = ["endpoint", "token-endpoint", "issuer"]
}

/// How `client_secret_basic` encodes the id and secret before base64.
public enum BasicCredentialEncoding: String, Sendable, Equatable, CaseIterable {
    /// RFC 6749 §2.3.1: both form-urlencoded first. The standard, and the default.
    case formURLEncoded = "form-urlencoded"
    /// Some servers want the id and secret as they are.
    case raw
}

/// Where a client's secret comes from. Resolved only when a request needs it,
/// so a secret command runs at most when a token is fetched.
public enum SecretSource: Sendable, Equatable {
    case none
    case inline(String)
    case file(path: String)
    case command(String)
}

/// One configured service client: a key under `clients:` in the configuration file.
/// Key names follow Spring Boot's OAuth2 client registration properties.
public struct ClientConfiguration: Sendable, Equatable {
    /// The client's name: its key under `clients:`.
    public var name: String
    /// `issuer-uri`: discovery starts here (RFC 8414, then OpenID Connect).
    public var issuerURI: URL?
    /// `token-uri`: overrides the token endpoint from discovery.
    public var tokenURI: URL?
    /// `introspection-uri` (RFC 7662).
    public var introspectionURI: URL?
    /// `revocation-uri` (RFC 7009).
    public var revocationURI: URL?
    /// `jwk-set-uri`: the key set used to verify JWT access tokens.
    public var jwkSetURI: URL?
    /// `client-id`.
    public var clientID: String
    /// `client-secret`, `client-secret-file` or `client-secret-command`.
    public var clientSecret: SecretSource
    /// `client-authentication-method`.
    public var authenticationMethod: ClientAuthenticationMethod
    /// `client-secret-basic-encoding`.
    public var basicEncoding: BasicCredentialEncoding
    /// `private-key-file`: PEM (RSA or EC P-256) for `private_key_jwt`.
    public var privateKeyFile: String?
    /// `scope`: a string of space-separated scopes or a list.
    public var scopes: [String]
    /// `audience`: sent as the `audience` parameter and checked against `aud` when verifying.
    public var audience: String?
    /// `resource`: RFC 8707 resource indicators.
    public var resources: [String]
    /// `token-parameters`: extra form parameters for the token request.
    public var extraTokenParameters: [String: String]
    /// `resource-uri`: the protected endpoint probed with the token.
    public var resourceURI: URL?
    /// `poll-interval`: how often `resource-uri` is called.
    public var pollInterval: Duration
    /// `refresh-skew`: refresh when less than this remains.
    public var refreshSkew: Duration
    /// `refresh`: `auto` or `manual`.
    public var refreshMode: RefreshMode
    /// `ca-file`: a PEM bundle of extra trusted roots.
    public var caFile: String?
    /// `allow-insecure-http`: permit `http://` to hosts other than loopback.
    public var allowInsecureHTTP: Bool
    /// `timeout`: connect and read timeout for every request of this client.
    public var timeout: Duration
    /// `history-size`: how many token fetches the history ring keeps.
    public var historySize: Int
    /// `expected-issuer`: the `iss` a token must carry; defaults to `issuer-uri`.
    public var expectedIssuer: String?
    /// `client-assertion-audience`: the `aud` of a `private_key_jwt` assertion; nil sends the
    /// called endpoint and the token endpoint together.
    public var clientAssertionAudience: ClientAssertionAudience?
    /// `expected-audience`: the API's audience; a token's `aud` must hold one of these. Empty: not checked.
    public var expectedAudiences: [String]
    /// `dpop`: sender-constrain tokens with DPoP proofs (RFC 9449).
    public var dpop: Bool
    /// `dpop-key-file`: the PEM key DPoP proofs are signed with; nil lets tokentop keep its own.
    public var dpopKeyFile: String?
    /// `tls-client-certificate-file`: the PEM certificate presented for mutual TLS (RFC 8705).
    public var tlsClientCertificateFile: String?
    /// `tls-client-key-file`: the PEM private key of `tlsClientCertificateFile`.
    public var tlsClientKeyFile: String?
    /// `cache`: the dashboard and `serve` write this client's tokens through to the shared token
    /// cache that `tokentop token` reads.
    public var cache: Bool
    /// `credential-warning`: how long before a credential's end the client is degraded.
    public var credentialWarning: Duration
    /// When the client secret ends: `client-secret-expires-at`, or `client_secret_expires_at` of
    /// the RFC 7591 registration response in `client-registration-file`. nil: no known end.
    public var clientSecretExpiresAt: Date?
    /// `client-assertion-certificate-file`: the certificate of `private-key-file`; its thumbprint
    /// goes in the assertion's header (`x5t#S256`) and its end is counted down.
    public var clientAssertionCertificateFile: String?
    /// `client-assertion-x5t`: also send the SHA-1 thumbprint `x5t`, as Microsoft Entra asks.
    public var clientAssertionSHA1Thumbprint: Bool
    /// `client-assertion-file` or `client-assertion-command`: a federated client assertion (RFC 7523)
    /// made elsewhere (a Kubernetes service-account token, a CI job's OIDC token), read again
    /// for every request and sent as it is; `.none` when the client signs its own.
    public var federatedAssertion: SecretSource

    public init(
        name: String,
        issuerURI: URL? = nil,
        tokenURI: URL? = nil,
        introspectionURI: URL? = nil,
        revocationURI: URL? = nil,
        jwkSetURI: URL? = nil,
        clientID: String,
        clientSecret: SecretSource = .none,
        authenticationMethod: ClientAuthenticationMethod = .clientSecretBasic,
        basicEncoding: BasicCredentialEncoding = .formURLEncoded,
        privateKeyFile: String? = nil,
        scopes: [String] = [],
        audience: String? = nil,
        resources: [String] = [],
        extraTokenParameters: [String: String] = [:],
        resourceURI: URL? = nil,
        pollInterval: Duration = ClientDefaults.standard.pollInterval,
        refreshSkew: Duration = ClientDefaults.standard.refreshSkew,
        refreshMode: RefreshMode = .automatic,
        caFile: String? = nil,
        allowInsecureHTTP: Bool = false,
        timeout: Duration = ClientDefaults.standard.timeout,
        historySize: Int = ClientDefaults.standard.historySize,
        expectedIssuer: String? = nil,
        clientAssertionAudience: ClientAssertionAudience? = nil,
        expectedAudiences: [String] = [],
        dpop: Bool = false,
        dpopKeyFile: String? = nil,
        tlsClientCertificateFile: String? = nil,
        tlsClientKeyFile: String? = nil,
        cache: Bool = false,
        credentialWarning: Duration = ClientDefaults.standard.credentialWarning,
        clientSecretExpiresAt: Date? = nil,
        clientAssertionCertificateFile: String? = nil,
        clientAssertionSHA1Thumbprint: Bool = false,
        federatedAssertion: SecretSource = .none
    ) {
        self.federatedAssertion = federatedAssertion
        self.credentialWarning = credentialWarning
        self.clientSecretExpiresAt = clientSecretExpiresAt
        self.clientAssertionCertificateFile = clientAssertionCertificateFile
        self.clientAssertionSHA1Thumbprint = clientAssertionSHA1Thumbprint
        self.name = name
        self.issuerURI = issuerURI
        self.tokenURI = tokenURI
        self.introspectionURI = introspectionURI
        self.revocationURI = revocationURI
        self.jwkSetURI = jwkSetURI
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.authenticationMethod = authenticationMethod
        self.basicEncoding = basicEncoding
        self.privateKeyFile = privateKeyFile
        self.scopes = scopes
        self.audience = audience
        self.resources = resources
        self.extraTokenParameters = extraTokenParameters
        self.resourceURI = resourceURI
        self.pollInterval = pollInterval
        self.refreshSkew = refreshSkew
        self.refreshMode = refreshMode
        self.caFile = caFile
        self.allowInsecureHTTP = allowInsecureHTTP
        self.timeout = timeout
        self.historySize = historySize
        self.expectedIssuer = expectedIssuer
        self.clientAssertionAudience = clientAssertionAudience
        self.expectedAudiences = expectedAudiences
        self.dpop = dpop
        self.dpopKeyFile = dpopKeyFile
        self.tlsClientCertificateFile = tlsClientCertificateFile
        self.tlsClientKeyFile = tlsClientKeyFile
        self.cache = cache
    }
}

/// How the shared token cache keeps tokens at rest (`cache-encryption:`).
public enum CacheEncryption: String, Sendable, Equatable, CaseIterable {
    /// Files of mode 0600 in a 0700 folder: readable by the user's own processes (and root).
    case plaintext
    /// The desktop keyring (Secret Service over D-Bus, through `secret-tool`) holds each token; its
    /// file holds the rest. When the keyring fails the token is not cached, never written to a file.
    case keyring
}

/// The values a client takes when it does not set its own; `defaults:` in the file overrides them.
public struct ClientDefaults: Sendable, Equatable {
    public var refreshSkew: Duration
    public var pollInterval: Duration
    public var timeout: Duration
    public var historySize: Int
    public var credentialWarning: Duration

    public init(
        refreshSkew: Duration, pollInterval: Duration, timeout: Duration, historySize: Int,
        credentialWarning: Duration = CredentialExpiry.standardWarning
    ) {
        self.credentialWarning = credentialWarning
        self.refreshSkew = refreshSkew
        self.pollInterval = pollInterval
        self.timeout = timeout
        self.historySize = historySize
    }

    public static let standard = ClientDefaults(
        refreshSkew: .seconds(60), pollInterval: .seconds(10), timeout: .seconds(10), historySize: 100)
}

/// A whole configuration file, validated.
public struct TokentopConfiguration: Sendable, Equatable {
    /// Where it was read from; nil for the built-in demo configuration.
    public var sourcePath: String?
    public var defaults: ClientDefaults
    /// In the order the file lists them.
    public var clients: [ClientConfiguration]
    /// `theme:` the dashboard theme's name.
    public var theme: String?
    /// `keys:` rebinds dashboard actions, action name to key (`refresh: "f"`).
    public var keyBindings: [String: String]
    /// `mouse:` whether the dashboard takes mouse clicks and the wheel.
    public var mouse: Bool
    /// `cache-encryption:` how cached tokens rest.
    public var cacheEncryption: CacheEncryption
    /// Where each `keys:` entry is written, by action name, so a binding the dashboard refuses is
    /// reported at its line: `ConfigurationError.problem(at: keyBindingLocations["refresh"]!, …)`.
    public var keyBindingLocations: [String: SettingLocation]
    /// Where `theme:` is written, so an unknown theme is reported at its line.
    public var themeLocation: SettingLocation?

    public init(
        sourcePath: String? = nil, defaults: ClientDefaults = .standard,
        clients: [ClientConfiguration], theme: String? = nil, keyBindings: [String: String] = [:],
        mouse: Bool = true, keyBindingLocations: [String: SettingLocation] = [:], themeLocation: SettingLocation? = nil,
        cacheEncryption: CacheEncryption = .plaintext
    ) {
        self.sourcePath = sourcePath
        self.defaults = defaults
        self.clients = clients
        self.theme = theme
        self.keyBindings = keyBindings
        self.mouse = mouse
        self.cacheEncryption = cacheEncryption
        self.keyBindingLocations = keyBindingLocations
        self.themeLocation = themeLocation
    }

    /// The client with this name, if configured.
    public func client(named name: String) -> ClientConfiguration? {
        clients.first { $0.name == name }
    }
}
