import Foundation
import Testing
import TokenConfig
import TokenTesting

/// A client certificate whose key type mutual TLS cannot use is refused when the configuration
/// loads, at the line of `tls-client-certificate-file`, with the types it takes.
// Serialized: each case runs openssl a few times, and all at once they would load the machine.
@Suite("Client certificate key types in the configuration", .serialized)
struct ClientCertificateKeyTypeConfigurationTests {
    @Test(
        "RSA and EC P-256, P-384 and P-521 certificates are accepted; Ed25519, Ed448 and X25519 are refused at their line",
        arguments: CertificateFiles.KeyType.allCases)
    func keyType(_ type: CertificateFiles.KeyType) async throws {
        let files = try await CertificateFiles()
        defer { files.remove() }
        let client = try await files.client(type)
        let yaml = """
            clients:
              mtls-client:
                token-uri: https://auth.example.com/oauth2/token
                client-id: abc
                client-authentication-method: tls_client_auth
                tls-client-certificate-file: \(client.certificateFile)
                tls-client-key-file: \(client.keyFile)
            """
        guard !type.isUsableForMutualTLS else {
            let configuration = try #require(try parse(yaml).configuration.clients.first)
            #expect(configuration.tlsClientCertificateFile == client.certificateFile)
            return
        }
        let names: [CertificateFiles.KeyType: String] = [.ed25519: "Ed25519", .ed448: "Ed448", .x25519: "X25519"]
        let issue = try #require(onlyIssue(yaml))
        #expect(issue.line == 6 && issue.column == 34)
        #expect(issue.keyPath == "clients.mtls-client.tls-client-certificate-file")
        #expect(
            issue.message == "\(client.certificateFile) holds a certificate whose key type is \(names[type]!); "
                + "mutual TLS takes RSA, EC P-256, EC P-384 or EC P-521 keys")
        #expect(issue.description.hasPrefix("tokentop.yaml:6:34: "))
    }
}
