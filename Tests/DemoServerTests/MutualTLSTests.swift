import AsyncHTTPClient
import Crypto
import DemoServer
import Foundation
import NIOSSL
import Testing
import TokenConfig
import TokenModel

@Suite("Mutual TLS (RFC 8705): mtls-client, certificate-bound tokens, /mod over TLS")
struct MutualTLSTests {
    /// A second certificate from the same CA, with another subject.
    static let otherClient = DemoClientSpec(name: "mtls-other", method: .tlsClientAuth, scopes: [DemoClientSpec.modScope])

    static func options(_ mode: TokenValidationMode = .jwt) -> DemoServerOptions {
        DemoServerOptions(
            validationMode: mode, clients: DemoClientSpec.standardSet + [DemoClientSpec.mtlsClient, otherClient], tls: true)
    }

    /// Runs `body` with an HTTP client that trusts the demo CA of `demo` and presents the
    /// certificate of `client` (none when nil), or the certificate and key of `files`.
    private func withTLSClient<T>(
        _ demo: DemoEnvironment, presenting client: String?, files: (certificate: String, key: String)? = nil,
        _ body: (HTTPClient) async throws -> T
    ) async throws -> T {
        let tlsFiles = try #require(demo.tlsFiles)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(tlsFiles.certificateAuthority)
        if let presented = files ?? client.flatMap({ tlsFiles.clients[$0] }).map({ ($0.certificate, $0.key) }) {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(presented.certificate).map { .certificate($0) }
            tls.privateKey = .file(presented.key)
        }
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            let result = try await body(http)
            try await http.shutdown()
            return result
        } catch {
            try await http.shutdown()
            throw error
        }
    }

    /// A token request of `clientID` with no credentials but the TLS certificate (RFC 8705 §2).
    private func requestToken(_ url: URL, clientID: String, http: HTTPClient = .shared) async throws -> Answer {
        try await HTTP.postForm(url, [("grant_type", "client_credentials"), ("client_id", clientID)], client: http)
    }

    /// A token for `name`, over mutual TLS with its own certificate.
    private func boundToken(_ demo: DemoEnvironment, for name: String) async throws -> String {
        try await withTLSClient(demo, presenting: name) { http in
            let answer = try await requestToken(try #require(demo.endpoints.mtlsTokenEndpoint), clientID: name, http: http)
            #expect(answer.status == 200, "\(answer.text)")
            return try #require(answer.json["access_token"] as? String)
        }
    }

    /// base64url(SHA-256(DER)) of the PEM certificate in `path`, read without the demo's code.
    private func thumbprint(ofPEMFile path: String) throws -> String {
        let pem = try String(contentsOfFile: path, encoding: .utf8)
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let der = try #require(Data(base64Encoded: body))
        return Data(SHA256.hash(data: der)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private func cnf(_ token: String) -> [String: Any]? {
        jwtParts(token).claims["cnf"] as? [String: Any]
    }

    @Test("with TLS the metadata lists tls_client_auth, bound tokens and the mTLS aliases; without it, none of them")
    func metadata() async throws {
        try await withDemo(Self.options()) { demo in
            let json = try await HTTP.get(demo.endpoints.metadataURL).json
            #expect((json["token_endpoint_auth_methods_supported"] as? [String])?.contains("tls_client_auth") == true)
            #expect(json["tls_client_certificate_bound_access_tokens"] as? Bool == true)
            let aliases = try #require(json["mtls_endpoint_aliases"] as? [String: String])
            #expect(aliases["token_endpoint"] == demo.endpoints.mtlsTokenEndpoint?.absoluteString)
            #expect(aliases["introspection_endpoint"] == demo.endpoints.mtlsIntrospectionEndpoint?.absoluteString)
            #expect(aliases["revocation_endpoint"] == demo.endpoints.mtlsRevocationEndpoint?.absoluteString)
            #expect(aliases["token_endpoint"]?.hasPrefix("https://127.0.0.1:") == true)
            #expect(json["issuer"] as? String == demo.issuer.absoluteString)
        }
        try await withDemo { demo in
            let json = try await HTTP.get(demo.endpoints.metadataURL).json
            #expect((json["token_endpoint_auth_methods_supported"] as? [String])?.contains("tls_client_auth") == false)
            #expect(json["tls_client_certificate_bound_access_tokens"] == nil)
            #expect(json["mtls_endpoint_aliases"] == nil)
            #expect(demo.tlsFiles == nil)
            #expect(demo.endpoints.mtlsTokenEndpoint == nil)
        }
    }

    @Test(
        "mtls-client gets a Bearer token over mutual TLS whose cnf.x5t#S256 is its certificate's SHA-256, also in introspection")
    func boundToken() async throws {
        try await withDemo(Self.options()) { demo in
            let token = try await boundToken(demo, for: "mtls-client")
            let certificateFile = try #require(demo.tlsFiles?.clients["mtls-client"]?.certificate)
            let expected = try thumbprint(ofPEMFile: certificateFile)
            #expect(cnf(token)?["x5t#S256"] as? String == expected)
            #expect(cnf(token)?["jkt"] == nil)
            #expect(jwtParts(token).claims["client_id"] as? String == "mtls-client")

            let introspection = try await demo.introspect(token).json
            #expect(introspection["active"] as? Bool == true)
            #expect(introspection["token_type"] as? String == "Bearer")
            #expect((introspection["cnf"] as? [String: Any])?["x5t#S256"] as? String == expected)
        }
    }

    @Test("/mod on the TLS port accepts a bound token from its certificate, in both validation modes")
    func modAcceptsTheBoundCertificate() async throws {
        for mode in TokenValidationMode.allCases {
            try await withDemo(Self.options(mode)) { demo in
                let token = try await boundToken(demo, for: "mtls-client")
                let answer = try await withTLSClient(demo, presenting: "mtls-client") { http in
                    try await HTTP.get(try #require(demo.endpoints.mtlsResourceURL), bearer: token, client: http)
                }
                #expect(answer.status == 200, "\(mode): \(answer.text)")
                #expect(answer.text == "The message of the day is boring for user: mtls-client")
            }
        }
    }

    @Test("the token endpoint refuses mtls-client without a certificate, on the plain listener, and with another subject's")
    func tokenRefusals() async throws {
        try await withDemo(Self.options()) { demo in
            let mtlsToken = try #require(demo.endpoints.mtlsTokenEndpoint)

            let none = try await withTLSClient(demo, presenting: nil) { http in
                try await requestToken(mtlsToken, clientID: "mtls-client", http: http)
            }
            #expect(none.status == 401)
            #expect(none.error == "invalid_client")
            #expect(
                none.json["error_description"] as? String
                    == "client \"mtls-client\" authenticates with tls_client_auth, but the request presented no TLS client certificate"
            )

            let plain = try await requestToken(demo.tokenEndpoint, clientID: "mtls-client")
            #expect(plain.status == 401)
            #expect(plain.error == "invalid_client")
            #expect((plain.json["error_description"] as? String)?.contains("mtls_endpoint_aliases") == true)

            let other = try await withTLSClient(demo, presenting: "mtls-other") { http in
                try await requestToken(mtlsToken, clientID: "mtls-client", http: http)
            }
            #expect(other.status == 401)
            #expect(other.error == "invalid_client")
            #expect(
                other.json["error_description"] as? String
                    == "the TLS client certificate's subject \"CN=mtls-other,O=tokentop demo\" is not "
                    + "\"CN=mtls-client,O=tokentop demo\", the one registered for client \"mtls-client\"")
            #expect(demo.client("mtls-client").tlsSubject == "CN=mtls-client,O=tokentop demo")
        }
    }

    @Test("mtls-client introspects and revokes its token at the mTLS aliases with its certificate, and not without")
    func introspectionAndRevocation() async throws {
        try await withDemo(Self.options()) { demo in
            let token = try await boundToken(demo, for: "mtls-client")
            let introspection = try #require(demo.endpoints.mtlsIntrospectionEndpoint)
            let revocation = try #require(demo.endpoints.mtlsRevocationEndpoint)
            let parameters = [("token", token), ("client_id", "mtls-client")]

            let refused = try await withTLSClient(demo, presenting: nil) { http in
                try await HTTP.postForm(revocation, parameters, client: http)
            }
            #expect(refused.status == 401)
            #expect(refused.error == "invalid_client")

            let (active, revoked, inactive) = try await withTLSClient(demo, presenting: "mtls-client") { http in
                (
                    try await HTTP.postForm(introspection, parameters, client: http),
                    try await HTTP.postForm(revocation, parameters, client: http),
                    try await HTTP.postForm(introspection, parameters, client: http)
                )
            }
            #expect(active.json["active"] as? Bool == true, "\(active.text)")
            #expect(revoked.status == 200, "\(revoked.text)")
            #expect(inactive.json["active"] as? Bool == false, "\(inactive.text)")
        }
    }

    @Test("a certificate from another CA fails the TLS handshake with unknown_ca")
    func foreignCertificate() async throws {
        let foreign = try await withDemo(Self.options()) { other in
            // Copied out, since the other demo removes its files when it stops.
            let files = try #require(other.tlsFiles?.clients["mtls-client"])
            let folder = FileManager.default.temporaryDirectory.appending(path: "tokentop-foreign-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let certificate = folder.appending(path: "certificate.pem")
            let key = folder.appending(path: "key.pem")
            try FileManager.default.copyItem(atPath: files.certificate, toPath: certificate.path)
            try FileManager.default.copyItem(atPath: files.key, toPath: key.path)
            return (folder: folder, certificate: certificate.path, key: key.path)
        }
        defer { try? FileManager.default.removeItem(at: foreign.folder) }
        try await withDemo(Self.options()) { demo in
            let mtlsToken = try #require(demo.endpoints.mtlsTokenEndpoint)
            #expect(FileManager.default.fileExists(atPath: foreign.certificate))
            let error = await #expect(throws: (any Error).self) {
                try await withTLSClient(demo, presenting: nil, files: (foreign.certificate, foreign.key)) { http in
                    try await requestToken(mtlsToken, clientID: "mtls-client", http: http)
                }
            }
            // The server's alert, as the client's TLS library reports it.
            #expect(String(describing: error).contains("TLSV1_ALERT_UNKNOWN_CA"), "\(String(describing: error))")
        }
    }

    @Test(
        "/mod refuses a bound token without its certificate, with another one, or on the plain port; and an unbound one presented with a certificate"
    )
    func modRefusals() async throws {
        for mode in TokenValidationMode.allCases {
            try await withDemo(Self.options(mode)) { demo in
                let mtlsResource = try #require(demo.endpoints.mtlsResourceURL)
                let token = try await boundToken(demo, for: "mtls-client")
                let otherToken = try await boundToken(demo, for: "mtls-other")
                let bearer = try await demo.token(for: "mod-client")

                let withoutCertificate = try await withTLSClient(demo, presenting: nil) { http in
                    try await HTTP.get(mtlsResource, bearer: token, client: http)
                }
                try await expectInvalidToken(
                    withoutCertificate,
                    "the token is bound to a TLS client certificate (cnf.x5t#S256) and the request presented none", mode)

                let (boundElsewhere, unbound) = try await withTLSClient(demo, presenting: "mtls-client") { http in
                    (
                        try await HTTP.get(mtlsResource, bearer: otherToken, client: http),
                        try await HTTP.get(mtlsResource, bearer: bearer, client: http)
                    )
                }
                try await expectInvalidToken(
                    boundElsewhere, "the token is bound to another TLS client certificate than the one presented (cnf.x5t#S256)",
                    mode)
                try await expectInvalidToken(
                    unbound,
                    "the request presented a TLS client certificate but the token is not bound to it (no cnf.x5t#S256): "
                        + "get the token over mutual TLS with that certificate", mode)

                let plain = try await HTTP.get(demo.resourceURL, bearer: token)
                try await expectInvalidToken(
                    plain,
                    "the token is bound to a TLS client certificate (cnf.x5t#S256): call /mod on the mutual-TLS listener "
                        + "and present that certificate", mode)

                // An unbound token from a client without a certificate is still a bearer token there.
                let bearerOverTLS = try await withTLSClient(demo, presenting: nil) { http in
                    try await HTTP.get(mtlsResource, bearer: bearer, client: http)
                }
                #expect(bearerOverTLS.status == 200, "\(mode): \(bearerOverTLS.text)")
            }
        }
    }

    /// A 401 `invalid_token` with this description, in a challenge Werkzeug's parser accepts.
    private func expectInvalidToken(_ answer: Answer, _ description: String, _ mode: TokenValidationMode) async throws {
        #expect(answer.status == 401, "\(mode): \(answer.text)")
        let header = try #require(answer.header("WWW-Authenticate"))
        #expect(
            header == "Bearer realm=\"tokentop-demo\", error=\"invalid_token\", error_description=\"\(description)\"", "\(mode)")
        let independent = try await Validator.run(["challenge", header])
        #expect(independent.passed, "\(header): \(independent.output)")
    }

    @Test("Authlib accepts the TLS metadata, and an introspection answer for a bound token has the RFC 7662 shape")
    func independentValidators() async throws {
        try await withDemo(Self.options()) { demo in
            let metadata = try await Validator.run(
                ["metadata", demo.endpoints.metadataURL.absoluteString, "--issuer", demo.issuer.absoluteString])
            #expect(metadata.passed, "\(metadata.output)")
            let introspection = try await demo.introspect(try await boundToken(demo, for: "mtls-client"))
            let result = try await Validator.run(["introspection"], input: introspection.body)
            #expect(result.passed, "\(result.output)")
        }
    }

    @Test("a secret client that presents a certificate over mutual TLS gets a token bound to it")
    func secretClientWithCertificate() async throws {
        try await withDemo(Self.options()) { demo in
            let client = demo.client("mod-client")
            let answer = try await withTLSClient(demo, presenting: "mtls-client") { http in
                try await HTTP.postForm(
                    try #require(demo.endpoints.mtlsTokenEndpoint), [("grant_type", "client_credentials")],
                    basic: (client.clientID, client.secret!), client: http)
            }
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["token_type"] as? String == "Bearer")
            let token = try #require(answer.json["access_token"] as? String)
            let certificateFile = try #require(demo.tlsFiles?.clients["mtls-client"]?.certificate)
            #expect(cnf(token)?["x5t#S256"] as? String == (try thumbprint(ofPEMFile: certificateFile)))
        }
    }

    @Test(
        "the configuration points mtls-client at the TLS listeners with the CA, its certificate and key (0600), removed at shutdown"
    )
    func configuration() async throws {
        let files = try await withDemo(Self.options()) { demo in
            let tlsFiles = try #require(demo.tlsFiles)
            let own = try #require(tlsFiles.clients["mtls-client"])
            for path in [tlsFiles.certificateAuthority, own.certificate, own.key] {
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(path)")
            }
            #expect(try String(contentsOfFile: own.key, encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----"))

            let loaded = try ConfigurationLoader.parse(yaml: demo.configurationYAML(), path: "demo.yaml", environment: [:])
                .configuration
            let mtls = try #require(loaded.client(named: "mtls-client"))
            #expect(mtls.authenticationMethod == .tlsClientAuth)
            #expect(mtls.clientSecret == .none)
            #expect(mtls.tokenURI == demo.endpoints.mtlsTokenEndpoint)
            #expect(mtls.introspectionURI == demo.endpoints.mtlsIntrospectionEndpoint)
            #expect(mtls.revocationURI == demo.endpoints.mtlsRevocationEndpoint)
            #expect(mtls.resourceURI == demo.endpoints.mtlsResourceURL)
            #expect(mtls.issuerURI == demo.issuer)
            #expect(mtls.caFile == tlsFiles.certificateAuthority)
            #expect(mtls.tlsClientCertificateFile == own.certificate)
            #expect(mtls.tlsClientKeyFile == own.key)
            #expect(loaded.client(named: "mod-client")?.tokenURI == demo.tokenEndpoint)
            #expect(loaded.client(named: "mod-client")?.tlsClientCertificateFile == nil)
            #expect(demo.configuration().client(named: "mtls-client")?.tlsClientKeyFile == own.key)

            // Beside a written configuration: copies that outlive the demo, which that configuration names.
            let folder = FileManager.default.temporaryDirectory.appending(path: "tokentop-config-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let configPath = folder.appending(path: "demo.yaml").path
            let beside = try #require(try demo.writeTLSFiles(besideConfiguration: configPath))
            #expect(beside.certificateAuthority == folder.appending(path: "demo.yaml.demo-ca.pem").path)
            #expect(beside.clients["mtls-client"]?.key == folder.appending(path: "demo.yaml.mtls-client.tls-key.pem").path)
            let besideKey = try #require(beside.clients["mtls-client"]?.key)
            let attributes = try FileManager.default.attributesOfItem(atPath: besideKey)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(try String(contentsOfFile: besideKey, encoding: .utf8) == String(contentsOfFile: own.key, encoding: .utf8))
            let written = try ConfigurationLoader.parse(
                yaml: demo.configurationYAML(tlsFiles: beside), path: configPath, environment: [:]
            ).configuration
            #expect(written.client(named: "mtls-client")?.caFile == beside.certificateAuthority)
            return tlsFiles
        }
        #expect(!FileManager.default.fileExists(atPath: files.certificateAuthority))
    }

    @Test("tls_client_auth clients need TLS; self_signed_tls_client_auth is not served")
    func startupValidation() async throws {
        await #expect(throws: DemoServerError.self) {
            try await withDemo(DemoServerOptions(clients: [DemoClientSpec.mtlsClient])) { _ in }
        }
        await #expect(throws: DemoServerError.self) {
            try await withDemo(
                DemoServerOptions(
                    clients: [DemoClientSpec(name: "self-signed", method: .selfSignedTLSClientAuth, scopes: ["custom_mod"])],
                    tls: true)
            ) { _ in }
        }
    }
}
