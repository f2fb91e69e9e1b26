import Foundation
import TokenConfig

/// One client the demo authorization server registers.
public struct DemoClientSpec: Sendable, Equatable {
    /// The client's name under `clients:` in the generated configuration, and its `client_id`.
    public var name: String
    /// How the client authenticates. `private_key_jwt` clients get an ES256 key pair made at
    /// start, `tls_client_auth` clients a certificate from the demo CA.
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
    /// When true the token endpoint refuses this client's requests without a DPoP proof
    /// (RFC 9449), as Okta does for applications that require DPoP.
    public var requiresDPoP: Bool

    /// A client with hour-long tokens authenticating with `client_secret_basic` unless told otherwise.
    public init(
        name: String, method: ClientAuthenticationMethod = .clientSecretBasic, scopes: [String],
        tokenLifetime: Duration = .seconds(3600), refreshSkew: Duration? = nil, configuredWithWrongSecret: Bool = false,
        requiresDPoP: Bool = false
    ) {
        self.requiresDPoP = requiresDPoP
        self.name = name
        self.method = method
        self.scopes = scopes
        self.tokenLifetime = tokenLifetime
        self.refreshSkew = refreshSkew
        self.configuredWithWrongSecret = configuredWithWrongSecret
    }

    /// Why `name` cannot name a demo client, or nil when it can. Names become YAML keys and
    /// `client_id`s, so they are kept to `[A-Za-z0-9._-]`, at most 64 characters.
    public static func problem(withName name: String) -> String? {
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))
        }
        guard !name.isEmpty, name.count <= 64, allowed else {
            let shown = String(
                name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" }.prefix(64))
            return "the client name \"\(shown)\" may hold only letters, digits, '.', '_' and '-' (at most 64)"
        }
        return nil
    }

    /// The scope `/mod` requires.
    public static let modScope = "custom_mod"

    /// A client that must prove possession of a key with DPoP. Not in the built-in set until
    /// tokentop's configuration and client speak DPoP (`dpop: true`); `demo-server --dpop` adds it.
    public static let dpopClient = DemoClientSpec(name: "dpop-client", scopes: [modScope], requiresDPoP: true)

    /// A client that authenticates with its TLS certificate (RFC 8705 §2.1, `tls_client_auth`)
    /// and gets certificate-bound tokens. It needs TLS; `demo-server --tls` adds it.
    public static let mtlsClient = DemoClientSpec(name: "mtls-client", method: .tlsClientAuth, scopes: [modScope])

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
