import Foundation
import TokenConfig
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

/// Where the demo servers read the time. Injected so tests can move time instead of waiting.
public struct DemoClock: Sendable {
    /// The current time.
    public var now: @Sendable () -> Date

    /// A clock reading `now`.
    public init(now: @escaping @Sendable () -> Date) {
        self.now = now
    }

    /// The system's wall clock.
    public static let system = DemoClock { Date() }
}

/// Where the demo servers draw randomness: secrets, token ids, key ids and fault decisions.
/// Injected so tests can make fault injection deterministic.
public struct DemoRandomSource: Sendable {
    /// `count` random bytes.
    public var bytes: @Sendable (_ count: Int) -> [UInt8]
    /// A number in `0..<1`, used to decide whether an injected fault strikes.
    public var unit: @Sendable () -> Double

    /// A source drawing bytes and fractions from these functions.
    public init(bytes: @escaping @Sendable (_ count: Int) -> [UInt8], unit: @escaping @Sendable () -> Double) {
        self.bytes = bytes
        self.unit = unit
    }

    /// The system's cryptographically secure generator.
    public static let system = DemoRandomSource(
        bytes: { count in
            var generator = SystemRandomNumberGenerator()
            return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        },
        unit: { Double.random(in: 0..<1) })

    /// `count` random bytes as unpadded base64url text.
    func token(byteCount: Int) -> String {
        Base64URL.encode(Data(bytes(byteCount)))
    }
}

/// How the token endpoint fails when the token error rate strikes.
public enum TokenFaultKind: String, Sendable, Equatable, CaseIterable {
    /// 503 with `Retry-After` and `{"error":"temporarily_unavailable"}`.
    case unavailable
    /// 500 with `{"error":"server_error"}`.
    case serverError = "server_error"
}

/// Faults the demo servers can be told to show, for watching the dashboard cope.
public struct DemoFaults: Sendable, Equatable {
    /// Added before every answer of both servers (the admin endpoints excepted).
    public var latency: Duration
    /// The share of token requests, 0...1, that fail with `tokenFaultKind`.
    public var tokenErrorRate: Double
    /// How a failing token request fails.
    public var tokenFaultKind: TokenFaultKind
    /// `Retry-After` seconds on an `unavailable` answer, from the token or the resource server.
    public var retryAfterSeconds: Int
    /// When set, `/mod` answers 503 with `Retry-After` to everyone.
    public var resourceDown: Bool
    /// When set, the signing key is rotated this often.
    public var rotateKeysEvery: Duration?

    /// Faults as given; the defaults are none at all.
    public init(
        latency: Duration = .zero, tokenErrorRate: Double = 0, tokenFaultKind: TokenFaultKind = .unavailable,
        retryAfterSeconds: Int = 2, resourceDown: Bool = false, rotateKeysEvery: Duration? = nil
    ) {
        self.latency = latency
        self.tokenErrorRate = tokenErrorRate
        self.tokenFaultKind = tokenFaultKind
        self.retryAfterSeconds = retryAfterSeconds
        self.resourceDown = resourceDown
        self.rotateKeysEvery = rotateKeysEvery
    }

    /// No faults at all.
    public static let none = DemoFaults()
}

/// One client the demo authorization server registers.
public struct DemoClientSpec: Sendable, Equatable {
    /// The client's name under `clients:` in the generated configuration, and its `client_id`.
    public var name: String
    /// How the client authenticates. `private_key_jwt` clients get an ES256 key pair made at start.
    public var method: ClientAuthenticationMethod
    /// The scopes the client may ask for; also what it gets when it asks for none.
    public var scopes: [String]
    /// How long its access tokens live.
    public var tokenLifetime: Duration
    /// `refresh-skew` in the generated configuration; nil leaves tokentop's default.
    public var refreshSkew: Duration?
    /// When true the generated configuration carries a wrong secret, so every token request
    /// of that client fails with `invalid_client`.
    public var configuredWithWrongSecret: Bool

    /// A client with hour-long tokens authenticating with `client_secret_basic` unless told otherwise.
    public init(
        name: String, method: ClientAuthenticationMethod = .clientSecretBasic, scopes: [String],
        tokenLifetime: Duration = .seconds(3600), refreshSkew: Duration? = nil, configuredWithWrongSecret: Bool = false
    ) {
        self.name = name
        self.method = method
        self.scopes = scopes
        self.tokenLifetime = tokenLifetime
        self.refreshSkew = refreshSkew
        self.configuredWithWrongSecret = configuredWithWrongSecret
    }

    /// The scope `/mod` requires.
    public static let modScope = "custom_mod"

    /// The built-in set: one client for every state the dashboard draws.
    public static let standardSet: [DemoClientSpec] = [
        DemoClientSpec(name: "mod-client", scopes: [modScope]),
        DemoClientSpec(name: "short-lived", scopes: [modScope], tokenLifetime: .seconds(30), refreshSkew: .seconds(10)),
        DemoClientSpec(name: "wrong-secret", scopes: [modScope], configuredWithWrongSecret: true),
        DemoClientSpec(name: "no-mod-scope", scopes: ["custom_read"]),
        DemoClientSpec(name: "post-client", method: .clientSecretPost, scopes: [modScope]),
        DemoClientSpec(name: "jwt-client", method: .privateKeyJWT, scopes: [modScope]),
    ]
}

/// Everything `DemoEnvironment.start` needs to know.
public struct DemoServerOptions: Sendable {
    /// The address both servers bind to; loopback by default.
    public var host: String
    /// The authorization server's port; 0 picks a free one.
    public var authorizationPort: Int
    /// The resource server's port; 0 picks a free one.
    public var resourcePort: Int
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
    /// Whether SIGINT and SIGTERM shut the servers down gracefully (for the `demo-server` command).
    public var handlesTerminationSignals: Bool
    /// Where the servers read the time.
    public var clock: DemoClock
    /// Where the servers draw randomness.
    public var random: DemoRandomSource

    /// Loopback, free ports, `jwt` validation, no faults, the built-in clients, the system clock
    /// and randomness, unless told otherwise.
    public init(
        host: String = "127.0.0.1", authorizationPort: Int = 0, resourcePort: Int = 0,
        validationMode: TokenValidationMode = .jwt, faults: DemoFaults = .none,
        clients: [DemoClientSpec] = DemoClientSpec.standardSet, audience: String = "api://default",
        keyOverlap: Duration? = nil, handlesTerminationSignals: Bool = false,
        clock: DemoClock = .system, random: DemoRandomSource = .system
    ) {
        self.host = host
        self.authorizationPort = authorizationPort
        self.resourcePort = resourcePort
        self.validationMode = validationMode
        self.faults = faults
        self.clients = clients
        self.audience = audience
        self.keyOverlap = keyOverlap
        self.handlesTerminationSignals = handlesTerminationSignals
        self.clock = clock
        self.random = random
    }
}
