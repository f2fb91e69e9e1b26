import Foundation
import NIOSSL
import Testing
import TokenConfig
import TokenModel
import TokenTesting

@testable import OAuthClient

/// Every key type a client certificate may hold: the ones the TLS library can present complete a
/// real mutual-TLS token request; the others are refused with the supported list, before anything
/// reaches swift-nio-ssl (an Ed25519 key used to trap inside it).
// Serialized: each case runs openssl a few times, and all at once they would load the machine.
@Suite("Client certificate key types", .serialized)
struct ClientCertificateKeyTypeTests {
    static let supportedList = "RSA, EC P-256, EC P-384 or EC P-521"

    @Test(
        "RSA and EC P-256, P-384 and P-521 certificates complete mutual TLS",
        arguments: [
            CertificateFiles.KeyType.rsa, .p256, .p384, .p521,
        ])
    func usableTypes(_ type: CertificateFiles.KeyType) async throws {
        let files = try await CertificateFiles()
        defer { files.remove() }
        let client = try await files.client(type)
        let answer = #"{"access_token":"opaque-mtls-token-0123456789","token_type":"Bearer","expires_in":300}"#
        try await Self.withServer(files, client, answer: answer) { server, authorization in
            let token = try await authorization.requestToken()
            #expect(token.accessToken == "opaque-mtls-token-0123456789")
            #expect(server.requests.count == 1)
        }
    }

    @Test(
        "Ed25519, Ed448 and X25519 certificates are refused with the supported list, before any request",
        arguments: [
            (CertificateFiles.KeyType.ed25519, "Ed25519"), (.ed448, "Ed448"), (.x25519, "X25519"),
        ])
    func refusedTypes(_ type: CertificateFiles.KeyType, name: String) async throws {
        let files = try await CertificateFiles()
        defer { files.remove() }
        let client = try await files.client(type)
        let expected =
            "tls-client-certificate-file \(client.certificateFile) holds a certificate whose key type is "
            + "\(name); mutual TLS takes \(Self.supportedList) keys"
        #expect {
            _ = try ClientCertificate.load(
                certificateFile: client.certificateFile, keyFile: client.keyFile, client: "mtls-client")
        } throws: { error in
            (error as? OAuthError)?.kind == .configuration && "\(error)".contains(expected)
        }
        // The path that trapped: a token request with the certificate configured.
        try await Self.withServer(files, client, answer: "{}") { server, authorization in
            await #expect {
                _ = try await authorization.requestToken()
            } throws: { error in
                (error as? OAuthError)?.kind == .configuration && "\(error)".contains(expected)
            }
            #expect(server.requests.isEmpty)
        }
    }

    @Test("the key type is read from the certificate's SubjectPublicKeyInfo", arguments: CertificateFiles.KeyType.allCases)
    func readsType(_ type: CertificateFiles.KeyType) async throws {
        let files = try await CertificateFiles()
        defer { files.remove() }
        let pem = try String(contentsOfFile: try await files.client(type).certificateFile, encoding: .utf8)
        let read = try #require(ClientCertificateKeyType(certificatePEM: pem))
        let names: [CertificateFiles.KeyType: String] = [
            .rsa: "RSA", .p256: "EC P-256", .p384: "EC P-384", .p521: "EC P-521", .ed25519: "Ed25519", .ed448: "Ed448",
            .x25519: "X25519",
        ]
        #expect(read.description == names[type])
        #expect(read.isSupported == type.isUsableForMutualTLS)
    }

    /// A TLS server answering `answer`, and a client of it configured with `client`'s certificate;
    /// both stopped when `body` returns or throws.
    static func withServer(
        _ files: CertificateFiles, _ client: (certificateFile: String, keyFile: String), answer: String,
        _ body: (ScriptedServer, AuthorizationClient) async throws -> Void
    ) async throws {
        let server = try await ScriptedServer.start(tls: try await serverTLS(files)) { _ in .init(body: answer) }
        let transport = HTTPTransport()
        let configuration = ClientConfiguration(
            name: "mtls-client", tokenURI: server.baseURL.appending(path: "token"), clientID: "mtls-client",
            authenticationMethod: .tlsClientAuth, caFile: files.caFile, timeout: .seconds(5),
            tlsClientCertificateFile: client.certificateFile, tlsClientKeyFile: client.keyFile)
        do {
            try await body(server, AuthorizationClient(configuration: configuration, transport: transport))
        } catch {
            await transport.shutdown()
            await server.stop()
            throw error
        }
        await transport.shutdown()
        await server.stop()
    }

    /// A server that demands a client certificate issued by the files' CA.
    static func serverTLS(_ files: CertificateFiles) async throws -> TLSConfiguration {
        let server = try await files.server()
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(server.certificateFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: server.keyFile, format: .pem)))
        tls.certificateVerification = .noHostnameVerification
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(files.caFile))
        // BoringSSL's default list leaves P-521 signatures out (a server built on it refuses such
        // a certificate in the handshake, the demo among them); OpenSSL-based servers take them.
        tls.verifySignatureAlgorithms = [
            .rsaPssRsaeSha256, .rsaPkcs1Sha256, .ecdsaSecp256R1Sha256, .ecdsaSecp384R1Sha384, .ecdsaSecp521R1Sha512,
        ]
        return tls
    }
}
