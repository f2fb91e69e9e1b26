import Foundation
import TokenConfig
import Yams

/// Writes tokentop clients as a Spring Boot 3 `application.yml`: one client registration
/// (`authorization-grant-type: client_credentials`) and one provider per client, so that a Spring
/// service, or `tokentop --spring`, can use the same clients.
public enum SpringApplicationYAML {
    /// The YAML text, with `comment` lines at the top and a line for each client left out (those
    /// whose secret comes from a file or command, or that sign with a private key: Spring
    /// configures those in code). Throws when Yams' emitter refuses a value.
    public static func render(_ configuration: TokentopConfiguration, comment: [String] = []) throws -> String {
        var registrations: [(Node, Node)] = []
        var providers: [(Node, Node)] = []
        var omitted: [(name: String, reason: String)] = []
        for client in configuration.clients {
            if let reason = unsupported(client) {
                omitted.append((client.name, reason))
                continue
            }
            var registration: [(Node, Node)] = [
                (scalar("client-id"), scalar(client.clientID))
            ]
            if case .inline(let secret) = client.clientSecret {
                registration.append((scalar("client-secret"), scalar(secret)))
            }
            registration.append((scalar("client-authentication-method"), scalar(client.authenticationMethod.rawValue)))
            registration.append((scalar("authorization-grant-type"), scalar("client_credentials")))
            if !client.scopes.isEmpty {
                registration.append((scalar("scope"), .sequence(Node.Sequence(client.scopes.map(scalar), Tag(.seq), .block))))
            }
            registration.append((scalar("provider"), scalar(client.name)))
            registrations.append((scalar(client.name), mapping(registration)))

            var provider: [(Node, Node)] = []
            if let issuer = client.issuerURI { provider.append((scalar("issuer-uri"), scalar(issuer.absoluteString))) }
            if let token = client.tokenURI { provider.append((scalar("token-uri"), scalar(token.absoluteString))) }
            if let keys = client.jwkSetURI { provider.append((scalar("jwk-set-uri"), scalar(keys.absoluteString))) }
            providers.append((scalar(client.name), mapping(provider)))
        }
        let root = mapping([
            (
                scalar("spring"),
                mapping([
                    (
                        scalar("security"),
                        mapping([
                            (
                                scalar("oauth2"),
                                mapping([
                                    (
                                        scalar("client"),
                                        mapping([
                                            (scalar("registration"), mapping(registrations)),
                                            (scalar("provider"), mapping(providers)),
                                        ])
                                    )
                                ])
                            )
                        ])
                    )
                ])
            )
        ])
        let body = try Yams.serialize(node: root, indent: 2, width: -1, allowUnicode: true)
        var header = comment
        for client in omitted { header.append("left out \(client.name): \(client.reason)") }
        let lines = header.flatMap { $0.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) }
            .map {
                "# "
                    + String(
                        String.UnicodeScalarView($0.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
            }
        return (lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n") + body
    }

    /// Why a client cannot be written as Spring properties, or nil when it can.
    private static func unsupported(_ client: ClientConfiguration) -> String? {
        switch client.clientSecret {
        case .file: return "its secret comes from client-secret-file, which Spring properties cannot name"
        case .command: return "its secret comes from client-secret-command, which Spring properties cannot name"
        case .none, .inline: break
        }
        if client.authenticationMethod == .privateKeyJWT {
            return "private_key_jwt needs a signing key that Spring sets up in code, not in properties"
        }
        let values =
            [client.name, client.clientID] + client.scopes
            + {
                if case .inline(let secret) = client.clientSecret { [secret] } else { [] }
            }()
        if values.contains(where: { $0.contains("${") }) {
            return "a value holds `${`, which Spring would read as a placeholder"
        }
        return nil
    }

    private static func scalar(_ text: String) -> Node { .scalar(text.represented()) }

    private static func mapping(_ pairs: [(Node, Node)]) -> Node {
        .mapping(Node.Mapping(pairs, Tag(.map), .block))
    }
}
