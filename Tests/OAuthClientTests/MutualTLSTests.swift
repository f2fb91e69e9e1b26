import Crypto
import Foundation
import NIOSSL
import ProtocolSupport
import Synchronization
import Testing
import TokenConfig
import TokenModel
import X509

@testable import OAuthClient

/// A CA, a server certificate for 127.0.0.1 and two client certificates, made with
/// swift-certificates for one test and written as PEM files.
struct TLSFixture {
    let folder: URL
    let caFile: String
    let clientCertificateFile: String
    let clientKeyFile: String
    /// The key of the other client certificate: not the key of `clientCertificateFile`.
    let otherKeyFile: String
    /// `x5t#S256` of each client certificate, computed from the PEM text here.
    let clientThumbprint: String
    let otherThumbprint: String
    /// A server that demands a client certificate issued by the CA.
    let serverTLS: TLSConfiguration

    init() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "tokentop-mtls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        self.folder = folder
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("tokentop test CA") }
        let ca = try Self.issue(
            "tokentop test CA", key: caKey, issuer: caName, issuerKey: caKey,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true))
            })
        let serverKey = P256.Signing.PrivateKey()
        let server = try Self.issue(
            "127.0.0.1", key: serverKey, issuer: caName, issuerKey: caKey,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                SubjectAlternativeNames([.ipAddress(.init(contentBytes: [127, 0, 0, 1]))])
                try ExtendedKeyUsage([.serverAuth])
            })
        func client(_ name: String) throws -> (certificate: String, key: P256.Signing.PrivateKey) {
            let key = P256.Signing.PrivateKey()
            let certificate = try Self.issue(
                name, key: key, issuer: caName, issuerKey: caKey,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    try ExtendedKeyUsage([.clientAuth])
                })
            return (try certificate.serializeAsPEM().pemString, key)
        }
        let (clientPEM, clientKey) = try client("mtls-client")
        let (otherPEM, otherKey) = try client("other-client")
        let caPEM = try ca.serializeAsPEM().pemString
        func write(_ name: String, _ text: String) throws -> String {
            let file = folder.appending(path: name)
            try Data(text.utf8).write(to: file)
            return file.path
        }
        caFile = try write("ca.pem", caPEM)
        clientCertificateFile = try write("client.pem", clientPEM)
        clientKeyFile = try write("client-key.pem", clientKey.pemRepresentation)
        otherKeyFile = try write("other-key.pem", otherKey.pemRepresentation)
        clientThumbprint = Self.thumbprint(ofPEM: clientPEM)
        otherThumbprint = Self.thumbprint(ofPEM: otherPEM)

        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [
                .certificate(try NIOSSLCertificate(bytes: Array(try server.serializeAsPEM().pemString.utf8), format: .pem))
            ],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(serverKey.pemRepresentation.utf8), format: .pem)))
        tls.certificateVerification = .noHostnameVerification
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(caPEM.utf8), format: .pem)])
        serverTLS = tls
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    private static func issue(
        _ subject: String, key: P256.Signing.PrivateKey, issuer: DistinguishedName, issuerKey: P256.Signing.PrivateKey,
        extensions: Certificate.Extensions
    ) throws -> Certificate {
        try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(3600), issuer: issuer,
            subject: try DistinguishedName { CommonName(subject) }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: .init(issuerKey))
    }

    /// RFC 8705 §3.1 from first principles: base64url SHA-256 of the DER the PEM armours.
    static func thumbprint(ofPEM pem: String) -> String {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        return Base64URL.encode(Data(SHA256.hash(data: Data(base64Encoded: body)!)))
    }
}

@Suite("Mutual TLS (RFC 8705): the certificate presented, aliases, certificate-bound tokens", .serialized)
struct MutualTLSTests {
    func configuration(
        _ server: ScriptedServer, _ fixture: TLSFixture, method: ClientAuthenticationMethod = .tlsClientAuth,
        keyFile: String? = nil
    ) -> ClientConfiguration {
        ClientConfiguration(
            name: "mtls-client", tokenURI: server.baseURL.appending(path: "token"),
            introspectionURI: server.baseURL.appending(path: "introspect"),
            revocationURI: server.baseURL.appending(path: "revoke"),
            clientID: "mtls-client", authenticationMethod: method, resourceURI: server.baseURL.appending(path: "api"),
            caFile: fixture.caFile, timeout: .seconds(5), tlsClientCertificateFile: fixture.clientCertificateFile,
            tlsClientKeyFile: keyFile ?? fixture.clientKeyFile)
    }

    @Test(
        "the certificate goes to the token, introspection, revocation and API endpoints; tls_client_auth sends only client_id; cnf.x5t#S256 matches"
    )
    func certificateBoundToken() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let jwt = try accessTokenJWT([
            "sub": "mtls-client", "exp": Date().timeIntervalSince1970 + 300, "cnf": ["x5t#S256": fixture.clientThumbprint],
        ])
        let server = try await ScriptedServer.start(tls: fixture.serverTLS) { request in
            if request.path.hasPrefix("/token") {
                return .init(body: #"{"access_token":"\#(jwt)","token_type":"Bearer","expires_in":300}"#)
            }
            if request.path.hasPrefix("/introspect") {
                return .init(body: #"{"active":true,"cnf":{"x5t#S256":"\#(fixture.clientThumbprint)"}}"#)
            }
            return .init(body: "{}")
        }
        let transport = HTTPTransport(environment: [:])
        let client = AuthorizationClient(configuration: configuration(server, fixture), transport: transport)

        let token = try await client.requestToken()
        #expect(token.binding.method == .mtls)
        #expect(token.binding.localCertificateThumbprint == fixture.clientThumbprint)
        #expect(token.binding.mismatch(introspected: nil) == nil)
        #expect(
            token.binding.display
                == "mTLS · x5t#S256 \(fixture.clientThumbprint.prefix(4))… (cnf.x5t#S256 matches the local certificate)")
        let introspection = try await client.introspect(token.accessToken)
        #expect(token.binding.mismatch(introspected: introspection.fields) == nil)
        try await client.revoke(token.accessToken)
        let answer = try #require(await client.callResource(token.accessToken))
        #expect(answer.status == 200, "\(answer.failure?.description ?? "")")

        let requests = server.requests
        #expect(requests.map { String($0.path.prefix(while: { $0 != "?" })) } == ["/token", "/introspect", "/revoke", "/api"])
        let form = try FormEncoding.parameters(Data(try #require(requests.first).body.utf8))
        #expect(form["client_id"] == "mtls-client")
        #expect(form["client_secret"] == nil)
        #expect(requests.first?.headers["authorization"] == nil)
        #expect(requests.last?.headers["authorization"] == "Bearer \(jwt)")
        await transport.shutdown()
        await server.stop()
    }

    @Test("the test server really demands the certificate: without one the handshake fails and it sees no request")
    func serverDemandsCertificate() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let server = try await ScriptedServer.start(tls: fixture.serverTLS) { _ in .init(body: "{}") }
        let transport = HTTPTransport(environment: [:])
        var configuration = configuration(server, fixture, method: .clientSecretBasic)
        configuration.clientSecret = .inline("secret")
        configuration.tlsClientCertificateFile = nil
        configuration.tlsClientKeyFile = nil
        let client = AuthorizationClient(configuration: configuration, transport: transport)
        await #expect(throws: OAuthError.self) { _ = try await client.requestToken() }
        #expect(server.requests.isEmpty)
        await transport.shutdown()
        await server.stop()
    }

    @Test("discovery's mtls_endpoint_aliases are called when a certificate is configured, and only then")
    func endpointAliases() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let tlsServer = try await ScriptedServer.start(tls: fixture.serverTLS) { _ in
            .init(body: #"{"access_token":"opaque-mtls-token-0123456789","token_type":"Bearer","expires_in":300}"#)
        }
        let issuer = Mutex("")
        let aliasURL = tlsServer.baseURL.appending(path: "token").absoluteString
        let plain = try await ScriptedServer.start { request in
            guard request.path.hasPrefix("/.well-known/oauth-authorization-server") else {
                return .init(status: .internalServerError, body: #"{"error":"server_error"}"#)
            }
            let base = issuer.withLock { $0 }
            return .init(
                body: """
                    {"issuer":"\(base)","token_endpoint":"\(base)/token","jwks_uri":"\(base)/jwks",
                     "mtls_endpoint_aliases":{"token_endpoint":"\(aliasURL)"}}
                    """)
        }
        issuer.withLock { $0 = plain.baseURL.absoluteString }
        let transport = HTTPTransport(environment: [:])
        var configuration = ClientConfiguration(
            name: "aliased", issuerURI: plain.baseURL, clientID: "aliased", clientSecret: .inline("secret"),
            caFile: fixture.caFile, timeout: .seconds(5), tlsClientCertificateFile: fixture.clientCertificateFile,
            tlsClientKeyFile: fixture.clientKeyFile)
        let withCertificate = AuthorizationClient(configuration: configuration, transport: transport)
        #expect(try await withCertificate.resolvedEndpoints().token.absoluteString == aliasURL)
        let token = try await withCertificate.requestToken()
        #expect(
            token.binding.display
                == "bearer (certificate \(fixture.clientThumbprint.prefix(4))… presented; no cnf.x5t#S256 in the token)")
        #expect(tlsServer.requests.count == 1)
        #expect(!plain.requests.contains { $0.path.hasPrefix("/token") })

        configuration.tlsClientCertificateFile = nil
        configuration.tlsClientKeyFile = nil
        let withoutCertificate = AuthorizationClient(configuration: configuration, transport: transport)
        #expect(try await withoutCertificate.resolvedEndpoints().token == plain.baseURL.appending(path: "token"))
        await transport.shutdown()
        await tlsServer.stop()
        await plain.stop()
    }

    @Test("a key that is not the certificate's is a configuration error that says so, before any request")
    func keyOfAnotherCertificate() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        #expect {
            _ = try ClientCertificate.load(
                certificateFile: fixture.clientCertificateFile, keyFile: fixture.otherKeyFile, client: "mtls-client")
        } throws: { error in
            guard let error = error as? OAuthError else { return false }
            return error.kind == .configuration && error.description.contains("is not the private key of the certificate")
        }
        let loaded = try ClientCertificate.load(
            certificateFile: fixture.clientCertificateFile, keyFile: fixture.clientKeyFile, client: "mtls-client")
        #expect(loaded.thumbprint == fixture.clientThumbprint)

        let server = try await ScriptedServer.start(tls: fixture.serverTLS) { _ in .init(body: "{}") }
        let transport = HTTPTransport(environment: [:])
        let client = AuthorizationClient(
            configuration: configuration(server, fixture, keyFile: fixture.otherKeyFile), transport: transport)
        await #expect {
            _ = try await client.requestToken()
        } throws: { error in
            (error as? OAuthError)?.kind == .configuration
        }
        #expect(server.requests.isEmpty)
        await transport.shutdown()
        await server.stop()
    }

    @Test("a FIFO as the certificate, key or CA file is refused at once, naming the file", .timeLimit(.minutes(1)))
    func fifoFilesRefused() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let fifo = fixture.folder.appending(path: "planted.pem").path
        #expect(mkfifo(fifo, 0o600) == 0)
        for (certificate, key, option) in [
            (fifo, fixture.clientKeyFile, "tls-client-certificate-file"),
            (fixture.clientCertificateFile, fifo, "tls-client-key-file"),
        ] {
            #expect {
                _ = try ClientCertificate.load(certificateFile: certificate, keyFile: key, client: "mtls-client")
            } throws: { error in
                (error as? OAuthError)?.description.contains(
                    "client mtls-client: \(option) \(fifo): is a FIFO, not a regular file")
                    == true
            }
        }
        let transport = HTTPTransport(environment: [:])
        await #expect {
            _ = try await transport.send(OutgoingRequest(method: .get, url: URL(string: "https://127.0.0.1:9/")!, caFile: fifo))
        } throws: { error in
            (error as? OAuthError)?.description.contains("ca-file \(fifo): is a FIFO, not a regular file") == true
        }
        await transport.shutdown()
    }

    @Test("tls_client_auth to a plain-http endpoint is a configuration error: the certificate needs a TLS handshake")
    func certificateNeedsHTTPS() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let server = try await ScriptedServer.start { _ in .init(body: "{}") }
        let transport = HTTPTransport(environment: [:])
        let client = AuthorizationClient(configuration: configuration(server, fixture), transport: transport)
        await #expect {
            _ = try await client.requestToken()
        } throws: { error in
            guard let error = error as? OAuthError else { return false }
            return error.kind == .configuration && error.description.contains("must be https")
        }
        #expect(server.requests.isEmpty)
        await transport.shutdown()
        await server.stop()
    }

    @Test("a token bound to another certificate makes the verdict an error with that reason")
    func foreignCertificate() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let jwt = try accessTokenJWT([
            "sub": "mtls-client", "exp": Date().timeIntervalSince1970 + 300, "cnf": ["x5t#S256": fixture.otherThumbprint],
        ])
        let server = try await ScriptedServer.start(tls: fixture.serverTLS) { _ in
            .init(body: #"{"access_token":"\#(jwt)","token_type":"Bearer","expires_in":300}"#)
        }
        let transport = HTTPTransport(environment: [:])
        let client = AuthorizationClient(configuration: configuration(server, fixture), transport: transport)
        let token = try await client.requestToken()
        let summary = TokenSummary(
            masked: token.masked, tokenType: token.tokenType, decoded: token.decoded, issuedAt: token.issuedAt,
            expiresAt: token.expiresAt, refreshAt: nil, scopes: [], verdict: SignatureVerdict(.unverified, "not checked here"),
            extraFields: [:], binding: token.binding)
        let verdict = ClientSnapshot(name: "mtls-client", state: .valid, token: summary).health(at: Date())
        #expect(verdict.state == .error)
        #expect(verdict.reason.contains("mTLS binding: the token's cnf.x5t#S256"), "\(verdict.reason)")
        await transport.shutdown()
        await server.stop()
    }
}
