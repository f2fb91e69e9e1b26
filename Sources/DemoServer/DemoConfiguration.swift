import Foundation
import TokenConfig
import TokenModel

extension DemoEnvironment {
    /// A tokentop configuration for the demo clients, pointing at the running servers; every
    /// endpoint is given so no discovery is needed. `sourcePath` is nil: it comes from no file.
    public func configuration() -> TokentopConfiguration {
        TokentopConfiguration(
            clients: clients.map { client in
                ClientConfiguration(
                    name: client.name, issuerURI: issuer, tokenURI: tokenEndpoint,
                    introspectionURI: introspectionEndpoint, revocationURI: revocationEndpoint, jwkSetURI: jwksURI,
                    clientID: client.clientID, clientSecret: client.configuredSecret.map { .inline($0) } ?? .none,
                    authenticationMethod: client.method, privateKeyFile: client.privateKeyFile, scopes: client.scopes,
                    resourceURI: resourceURL, refreshSkew: client.refreshSkew ?? ClientDefaults.standard.refreshSkew)
            })
    }

    /// The same configuration as YAML in tokentop's file format, ready to paste or to pass to
    /// `--config`. It holds the demo secrets (they change on every start).
    public func configurationYAML() -> String {
        var lines = [
            "# tokentop configuration for the embedded demo servers (generated; secrets change on every start)",
            "# issuer: \(issuer.absoluteString)",
            "clients:",
        ]
        for client in clients {
            lines.append("  \(Self.quoted(client.name)):")
            lines.append("    issuer-uri: \(Self.quoted(issuer.absoluteString))")
            lines.append("    token-uri: \(Self.quoted(tokenEndpoint.absoluteString))")
            lines.append("    jwk-set-uri: \(Self.quoted(jwksURI.absoluteString))")
            lines.append("    introspection-uri: \(Self.quoted(introspectionEndpoint.absoluteString))")
            lines.append("    revocation-uri: \(Self.quoted(revocationEndpoint.absoluteString))")
            lines.append("    client-id: \(Self.quoted(client.clientID))")
            if let secret = client.configuredSecret {
                lines.append("    client-secret: \(Self.quoted(secret))")
            }
            lines.append("    client-authentication-method: \(client.method.rawValue)")
            if let keyFile = client.privateKeyFile {
                lines.append("    private-key-file: \(Self.quoted(keyFile))")
            }
            lines.append("    scope: \(Self.quoted(client.scopes.joined(separator: " ")))")
            lines.append("    resource-uri: \(Self.quoted(resourceURL.absoluteString))")
            if client.requiresDPoP {
                lines.append("    dpop: true")
            }
            if let skew = client.refreshSkew {
                lines.append("    refresh-skew: \(skew.configText)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A YAML double-quoted scalar.
    private static func quoted(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    escaped += String(format: "\\x%02X", scalar.value)
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return "\"\(escaped)\""
    }
}
