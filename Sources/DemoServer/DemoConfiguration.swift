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
                    caFile: tls?.caFile, dpop: client.requiresDPoP, tlsClientCertificateFile: tls?.certificate,
                    tlsClientKeyFile: tls?.key)
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
    /// `--config`, written by the one configuration writer. It holds the demo secrets (they
    /// change on every start). TLS files are those in `tlsFiles`, by default the demo's own.
    public func configurationYAML(tlsFiles: DemoTLSFiles? = nil) throws -> String {
        let draft = ConfigurationDraft(
            comments: [
                "tokentop configuration for the embedded demo servers (generated; secrets change on every start)",
                "issuer: \(issuer.absoluteString)",
            ],
            clients: configuration(tlsFiles: tlsFiles).clients.map { ConfigurationWriter.client($0) })
        return try ConfigurationWriter.yaml(draft)
    }
}
