import Foundation
import Testing
import TokenTesting

/// The real binary with an Ed25519 client certificate: it used to trap inside swift-nio-ssl
/// (`SSLPrivateKey.swift: Fatal error: 'try!'`) on the first token request.
@Suite("Client certificates the TLS library cannot use")
struct ClientCertificateEndToEndTests {
    @Test("check with an Ed25519 client certificate exits 2 with the file, line and the supported key types")
    func ed25519Certificate() async throws {
        let files = try await CertificateFiles()
        defer { files.remove() }
        let client = try await files.client(.ed25519)
        let configuration = files.folder.appending(path: "tokentop.yaml").path
        try """
        clients:
          mtls-client:
            token-uri: https://127.0.0.1:9/oauth2/token
            client-id: abc
            client-authentication-method: tls_client_auth
            tls-client-certificate-file: \(client.certificateFile)
            tls-client-key-file: \(client.keyFile)
        """.write(toFile: configuration, atomically: true, encoding: .utf8)
        let result = try await runTokentop(
            ["check", "--config", configuration], environment: ["HOME": files.folder.path, "SWIFT_BACKTRACE": "enable=no"])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(
            result.stderr.contains(
                "tokentop.yaml:6:34: clients.mtls-client.tls-client-certificate-file: \(client.certificateFile) holds a "
                    + "certificate whose key type is Ed25519; mutual TLS takes RSA, EC P-256, EC P-384 or EC P-521 keys"),
            "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
        #expect(result.stdout.isEmpty)
    }
}
