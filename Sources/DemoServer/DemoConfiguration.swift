import Foundation
import TokenConfig
import TokenModel

extension DemoEnvironment {
    /// A tokentop configuration for the demo clients, pointing at the running servers; every
    /// endpoint is given so no discovery is needed. `sourcePath` is nil: it comes from no file.
    /// A `tls_client_auth` client calls the mutual-TLS listeners and names the demo CA and its
    /// certificate and key: those in `tlsFiles`, by default the demo's own.
    public func configuration(tlsFiles: DemoTLSFiles? = nil) -> TokentopConfiguration {
        TokentopConfiguration(
            clients: clients.map { client in
                let urls = urls(of: client)
                let tls = tlsSettings(of: client, files: tlsFiles)
                return ClientConfiguration(
                    name: client.name, issuerURI: issuer, tokenURI: urls.token,
                    introspectionURI: urls.introspection, revocationURI: urls.revocation, jwkSetURI: jwksURI,
                    clientID: client.clientID, clientSecret: client.configuredSecret.map { .inline($0) } ?? .none,
                    authenticationMethod: client.method, privateKeyFile: client.privateKeyFile, scopes: client.scopes,
                    resourceURI: urls.resource, refreshSkew: client.refreshSkew ?? ClientDefaults.standard.refreshSkew,
                    caFile: tls?.caFile, tlsClientCertificateFile: tls?.certificate, tlsClientKeyFile: tls?.key)
            })
    }

    /// The endpoints `client` calls: the mutual-TLS listeners' for a client that authenticates
    /// with its certificate, so it can present it.
    private func urls(of client: DemoClient) -> (token: URL, introspection: URL, revocation: URL, resource: URL) {
        if client.method.authenticatesWithTLSCertificate, let token = endpoints.mtlsTokenEndpoint,
            let introspection = endpoints.mtlsIntrospectionEndpoint, let revocation = endpoints.mtlsRevocationEndpoint,
            let resource = endpoints.mtlsResourceURL
        {
            return (token, introspection, revocation, resource)
        }
        return (tokenEndpoint, introspectionEndpoint, revocationEndpoint, resourceURL)
    }

    /// `ca-file`, `tls-client-certificate-file` and `tls-client-key-file` of a client with a certificate.
    private func tlsSettings(of client: DemoClient, files: DemoTLSFiles?) -> (caFile: String, certificate: String, key: String)? {
        guard let files = files ?? tlsFiles, let own = files.clients[client.name] else { return nil }
        return (files.certificateAuthority, own.certificate, own.key)
    }

    /// The same configuration as YAML in tokentop's file format, ready to paste or to pass to
    /// `--config`. It holds the demo secrets (they change on every start). TLS files are those
    /// in `tlsFiles`, by default the demo's own.
    public func configurationYAML(tlsFiles: DemoTLSFiles? = nil) -> String {
        var lines = [
            "# tokentop configuration for the embedded demo servers (generated; secrets change on every start)",
            "# issuer: \(issuer.absoluteString)",
            "clients:",
        ]
        for client in clients {
            let urls = urls(of: client)
            lines.append("  \(Self.quoted(client.name)):")
            lines.append("    issuer-uri: \(Self.quoted(issuer.absoluteString))")
            lines.append("    token-uri: \(Self.quoted(urls.token.absoluteString))")
            lines.append("    jwk-set-uri: \(Self.quoted(jwksURI.absoluteString))")
            lines.append("    introspection-uri: \(Self.quoted(urls.introspection.absoluteString))")
            lines.append("    revocation-uri: \(Self.quoted(urls.revocation.absoluteString))")
            lines.append("    client-id: \(Self.quoted(client.clientID))")
            if let secret = client.configuredSecret {
                lines.append("    client-secret: \(Self.quoted(secret))")
            }
            lines.append("    client-authentication-method: \(client.method.rawValue)")
            if let keyFile = client.privateKeyFile {
                lines.append("    private-key-file: \(Self.quoted(keyFile))")
            }
            if let tls = tlsSettings(of: client, files: tlsFiles) {
                lines.append("    ca-file: \(Self.quoted(tls.caFile))")
                lines.append("    tls-client-certificate-file: \(Self.quoted(tls.certificate))")
                lines.append("    tls-client-key-file: \(Self.quoted(tls.key))")
            }
            lines.append("    scope: \(Self.quoted(client.scopes.joined(separator: " ")))")
            lines.append("    resource-uri: \(Self.quoted(urls.resource.absoluteString))")
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
