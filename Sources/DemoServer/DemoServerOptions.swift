import Foundation
import ProtocolSupport
import ServerLimits
import TokenModel

/// How the `/mod` resource server decides whether an access token is good.
public enum TokenValidationMode: String, Sendable, Equatable, CaseIterable {
    /// Local verification of the JWT against the issuer's JWKS, fetched over HTTP and fetched again
    /// when a token names a key it does not know. A revoked token is accepted until it expires,
    /// as with any resource server that verifies JWTs locally.
    case jwt
    /// Asks the authorization server's introspection endpoint (RFC 7662) about every token, as the
    /// classic Spring resource server did with its token-info URI. Revocation is seen at once.
    case introspect
}

/// Which `aud` values the authorization server accepts in a `private_key_jwt` client assertion.
/// Real servers disagree (RFC 7523 §3 lets each choose), so the demo can act as either kind.
public enum AssertionAudiencePolicy: String, Sendable, Equatable, CaseIterable {
    /// The token endpoint's URL or the issuer, whichever endpoint is called, as servers that
    /// follow OpenID Connect Core §9 strictly do.
    case tokenEndpoint = "token-endpoint"
    /// Only the URL of the endpoint being called (token, introspection or revocation).
    case calledEndpoint = "called-endpoint"
    /// The issuer or the URL of any of its endpoints.
    case any
}

/// Everything `DemoEnvironment.prepare` (and `start`) needs to know.
public struct DemoServerOptions: Sendable {
    /// The address both servers bind to; loopback by default.
    public var host: String
    /// The authorization server's port; 0 picks a free one.
    public var authorizationPort: Int
    /// The resource server's port; 0 picks a free one.
    public var resourcePort: Int
    /// Whether both servers also listen for mutual TLS (RFC 8705), with a CA, a server
    /// certificate and the `tls_client_auth` clients' certificates made at start.
    public var tls: Bool
    /// The authorization server's mutual-TLS port, with `tls`; 0 picks a free one.
    public var tlsAuthorizationPort: Int
    /// The resource server's mutual-TLS port, with `tls`; 0 picks a free one.
    public var tlsResourcePort: Int
    /// How `/mod` validates tokens.
    public var validationMode: TokenValidationMode
    /// Faults switched on from the start.
    public var faults: DemoFaults
    /// The registered clients.
    public var clients: [DemoClientSpec]
    /// The `aud` of every access token.
    public var audience: String
    /// How long a replaced signing key stays in the JWKS; nil means the longest token lifetime,
    /// so every token signed before a rotation verifies until it expires.
    public var keyOverlap: Duration?
    /// Which `aud` a client assertion may carry.
    public var assertionAudience: AssertionAudiencePolicy
    /// The key set's `Cache-Control: max-age`: how long clients and APIs may keep it. Short,
    /// a breaking rotation shows within seconds instead of five minutes.
    public var keySetMaxAge: Duration
    /// A connection that sends no complete request part for this long (an idle keep-alive
    /// connection, or one that sent half a request head) is closed.
    public var connectionIdleTimeout: Duration
    /// The token endpoint's rate limit, one bucket for every client; nil for none.
    public var rateLimit: DemoRateLimit?
    /// Where the servers read the time.
    public var clock: any TokenClock
    /// Where the servers draw randomness.
    public var random: DemoRandomSource
    /// A trusted identity provider whose assertions authenticate one more client (`--federated-issuer`).
    public var federatedIssuer: FederatedIssuer? = nil

    /// Loopback, free ports, `jwt` validation, no faults, the built-in clients, the system clock
    /// and randomness, no TLS, unless told otherwise.
    public init(
        host: String = "127.0.0.1", authorizationPort: Int = 0, resourcePort: Int = 0,
        validationMode: TokenValidationMode = .jwt, faults: DemoFaults = .none,
        clients: [DemoClientSpec] = DemoClientSpec.standardSet, audience: String = "api://default",
        keyOverlap: Duration? = nil, assertionAudience: AssertionAudiencePolicy = .any, keySetMaxAge: Duration = .seconds(300),
        connectionIdleTimeout: Duration = ConnectionLimits.defaultIdleTimeout,
        clock: any TokenClock = SystemClock(), random: DemoRandomSource = .system,
        tls: Bool = false, tlsAuthorizationPort: Int = 0, tlsResourcePort: Int = 0
    ) {
        self.host = host
        self.authorizationPort = authorizationPort
        self.resourcePort = resourcePort
        self.tls = tls
        self.tlsAuthorizationPort = tlsAuthorizationPort
        self.tlsResourcePort = tlsResourcePort
        self.validationMode = validationMode
        self.faults = faults
        self.clients = clients
        self.audience = audience
        self.keyOverlap = keyOverlap
        self.assertionAudience = assertionAudience
        self.keySetMaxAge = keySetMaxAge
        self.connectionIdleTimeout = connectionIdleTimeout
        self.clock = clock
        self.random = random
    }
}

extension DemoServerOptions {
    /// Refuses options the demo cannot start with, saying which and why.
    func validate() throws {
        let ports = [
            ("authorization", authorizationPort), ("resource", resourcePort),
            ("mutual-TLS authorization", tlsAuthorizationPort), ("mutual-TLS resource", tlsResourcePort),
        ]
        for (name, port) in ports where !(0...65535).contains(port) {
            throw DemoServerError.invalidOption("the \(name) port must be 0...65535, not \(port)")
        }
        guard DemoFaults.Allowed.tokenErrorRate.contains(faults.tokenErrorRate) else {
            throw DemoServerError.invalidOption("the token error rate must be between 0 and 1")
        }
        guard DemoFaults.Allowed.latency.contains(faults.latency) else {
            throw DemoServerError.invalidOption("the latency must be from 0 to \(DemoFaults.longestLatency.configText)")
        }
        if let every = faults.rotateKeysEvery, !DemoFaults.Allowed.rotateKeysEvery.contains(every) {
            throw DemoServerError.invalidOption("keys can be rotated every 1s to 100 years, not every \(every.configText)")
        }
        guard connectionIdleTimeout > .zero, connectionIdleTimeout <= .seconds(3600) else {
            throw DemoServerError.invalidOption("the connection idle timeout must be more than 0 and at most 1h")
        }
        guard !clients.isEmpty else { throw DemoServerError.invalidOption("the demo needs at least one client") }
        var names = Set<String>()
        for client in clients {
            guard !client.name.isEmpty, client.name != "demo-resource-server" else {
                throw DemoServerError.invalidOption("a demo client needs a name other than demo-resource-server")
            }
            guard names.insert(client.name).inserted else {
                throw DemoServerError.invalidOption("two demo clients are named \(client.name)")
            }
            guard (.seconds(1)...Duration.longestConfigurable).contains(client.tokenLifetime) else {
                throw DemoServerError.invalidOption("client \(client.name): token lifetime must be from 1s to 100 years")
            }
            guard !client.scopes.isEmpty else {
                throw DemoServerError.invalidOption("client \(client.name): needs at least one scope")
            }
            guard client.method != .selfSignedTLSClientAuth else {
                throw DemoServerError.invalidOption(
                    "client \(client.name): the demo serves tls_client_auth (a certificate from its CA), not self_signed_tls_client_auth"
                )
            }
            guard client.method != .tlsClientAuth || tls else {
                throw DemoServerError.invalidOption(
                    "client \(client.name) authenticates with tls_client_auth, which needs TLS (--tls)")
            }
        }
    }
}
