import Foundation
import TokenConfig

/// A client registered with the running demo authorization server.
public struct DemoClient: Sendable, Equatable, CustomStringConvertible {
    /// Its name under `clients:` in the generated configuration.
    public let name: String
    /// Its `client_id`.
    public let clientID: String
    /// The secret the server expects; nil for `private_key_jwt`.
    public let secret: String?
    /// The secret written into the generated configuration: the same as `secret`, except for
    /// the client set up to fail with `invalid_client`.
    public let configuredSecret: String?
    /// How it authenticates.
    public let method: ClientAuthenticationMethod
    /// The scopes it may ask for (and gets when it asks for none).
    public let scopes: [String]
    /// How long its access tokens live.
    public let lifetime: Duration
    /// `refresh-skew` for the generated configuration, when it differs from tokentop's default.
    public let refreshSkew: Duration?
    /// For `private_key_jwt`: the PEM file (mode 0600) holding its ES256 private key.
    public let privateKeyFile: String?
    /// Whether its token requests must carry a DPoP proof.
    public let requiresDPoP: Bool

    /// Masks the secret, so the client can be printed or logged.
    public var description: String {
        "\(name) (client_id \(clientID), \(method.rawValue), scope \(scopes.joined(separator: " ")))"
    }
}
