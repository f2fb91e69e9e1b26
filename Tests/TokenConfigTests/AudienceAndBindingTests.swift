import Foundation
import Testing
import TokenConfig

@Suite("Assertion audiences, expected audiences, DPoP, mutual TLS and the mouse")
struct AudienceAndBindingTests {
    /// A private_key_jwt client using the fixtures' key, with `extra` lines (4-space indented) from line 7.
    private func jwtClient(_ extra: String) throws -> String {
        """
        clients:
          jwt-client:
            issuer-uri: https://auth.example.com
            client-id: abc
            client-authentication-method: private_key_jwt
            private-key-file: \(try fixturesDirectory())/client-key.pem
        \(extra)
        """
    }

    private func client(_ yaml: String, environment: [String: String] = [:]) throws -> ClientConfiguration {
        try #require(try parse(yaml, environment: environment).configuration.clients.first)
    }

    // MARK: client-assertion-audience

    @Test(
        "client-assertion-audience takes endpoint, token-endpoint, issuer or an absolute URL",
        arguments: [
            ("endpoint", ClientAssertionAudience.endpoint),
            ("token-endpoint", .tokenEndpoint),
            ("issuer", .issuer),
            ("https://auth.example.com/oauth2/token", .url(URL(string: "https://auth.example.com/oauth2/token")!)),
        ])
    func assertionAudience(value: String, expected: ClientAssertionAudience) throws {
        let loaded = try parse(try jwtClient("    client-assertion-audience: \(value)"))
        #expect(loaded.configuration.clients.first?.clientAssertionAudience == expected)
        #expect(loaded.warnings.isEmpty)
    }

    @Test("without client-assertion-audience none is set: the client sends the called and the token endpoint")
    func assertionAudienceDefault() throws {
        #expect(try client(try jwtClient("")).clientAssertionAudience == nil)
    }

    @Test("an unknown client-assertion-audience is rejected with a suggestion")
    func badAssertionAudience() throws {
        let issue = try #require(onlyIssue(try jwtClient("    client-assertion-audience: tokn-endpoint")))
        #expect(issue.line == 7 && issue.column == 32)
        #expect(issue.keyPath == "clients.jwt-client.client-assertion-audience")
        #expect(
            issue.message == "expected `endpoint`, `token-endpoint`, `issuer`, or an absolute http or https URL, "
                + "got \"tokn-endpoint\"; did you mean `token-endpoint`?")
    }

    @Test("a relative client-assertion-audience is rejected")
    func relativeAssertionAudience() throws {
        let issue = try #require(onlyIssue(try jwtClient("    client-assertion-audience: /oauth2/token")))
        #expect(issue.keyPath == "clients.jwt-client.client-assertion-audience")
        #expect(issue.message.hasSuffix("got \"/oauth2/token\""))
    }

    @Test("client-assertion-audience: issuer needs an issuer to name")
    func issuerAudienceNeedsIssuer() throws {
        let yaml = try jwtClient("    client-assertion-audience: issuer")
            .replacingOccurrences(of: "issuer-uri: https://auth.example.com", with: "token-uri: https://auth.example.com/t")
        let issue = try #require(onlyIssue(yaml))
        #expect(issue.line == 7)
        #expect(issue.keyPath == "clients.jwt-client.client-assertion-audience")
        #expect(issue.message == "`issuer` needs the authorization server's issuer: set `issuer-uri` or `expected-issuer`")
        let withExpected = yaml + "\n    expected-issuer: https://auth.example.com"
        #expect(try client(withExpected).clientAssertionAudience == .issuer)
    }

    @Test("client-assertion-audience without private_key_jwt is a warning, not an error")
    func assertionAudienceWithoutJWT() throws {
        let loaded = try parse(minimalClient + "\n    client-assertion-audience: token-endpoint\n")
        #expect(
            loaded.warnings == [
                "tokentop.yaml:6:5: clients.mod-client.client-assertion-audience: "
                    + "is only used with `client-authentication-method: private_key_jwt` and is ignored"
            ])
    }

    // MARK: expected-audience

    @Test("expected-audience is a string or a list")
    func expectedAudience() throws {
        #expect(try client(minimalClient + "\n    expected-audience: api://default\n").expectedAudiences == ["api://default"])
        #expect(
            try client(minimalClient + "\n    expected-audience: [api://one, https://two.example.com]\n")
                .expectedAudiences == ["api://one", "https://two.example.com"])
        #expect(try client(minimalClient).expectedAudiences.isEmpty)
        #expect(try client(minimalClient + "\n    expected-audience: ${API_AUDIENCE:-}\n").expectedAudiences.isEmpty)
    }

    @Test("an expected-audience that is a mapping is rejected")
    func badExpectedAudience() throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    expected-audience:\n      api: one\n"))
        #expect(issue.line == 7 && issue.column == 7)
        #expect(issue.keyPath == "clients.mod-client.expected-audience")
        #expect(issue.message == "expected the API's audience as text, or a list of them, got a mapping")
    }

    // MARK: DPoP

    @Test("dpop is off unless set, and takes an optional key file")
    func dpop() async throws {
        #expect(try client(minimalClient).dpop == false)
        #expect(try client(minimalClient + "\n    dpop: true\n").dpop)
        try await withTemporaryDirectory { folder in
            try write("-----BEGIN PRIVATE KEY-----\n", to: folder + "/dpop.pem")
            let configuration = try client(minimalClient + "\n    dpop: true\n    dpop-key-file: \(folder)/dpop.pem\n")
            #expect(configuration.dpopKeyFile == folder + "/dpop.pem")
        }
    }

    @Test("dpop must be true or false")
    func badDPoP() throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    dpop: maybe\n"))
        #expect(issue.line == 6 && issue.column == 11)
        #expect(issue.keyPath == "clients.mod-client.dpop")
        #expect(issue.message == "expected true or false, got \"maybe\"")
    }

    @Test("a dpop-key-file that does not exist is rejected")
    func missingDPoPKey() throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    dpop: true\n    dpop-key-file: /nonexistent/dpop.pem\n"))
        #expect(issue.line == 7 && issue.column == 20)
        #expect(issue.keyPath == "clients.mod-client.dpop-key-file")
        #expect(issue.message == "no such file: /nonexistent/dpop.pem (expected a PEM EC P-256 or RSA private key)")
    }

    @Test("a dpop-key-file without dpop: true is a warning")
    func dpopKeyWithoutDPoP() async throws {
        try await withTemporaryDirectory { folder in
            try write("key\n", to: folder + "/dpop.pem")
            let loaded = try parse(minimalClient + "\n    dpop-key-file: \(folder)/dpop.pem\n")
            #expect(
                loaded.warnings == [
                    "tokentop.yaml:6:5: clients.mod-client.dpop-key-file: is only used with `dpop: true` and is ignored"
                ])
        }
    }

    // MARK: Mutual TLS to the API

    @Test("a TLS client certificate and key go with any method, for mTLS to the API")
    func tlsClientCertificate() async throws {
        try await withTemporaryDirectory { folder in
            try write("cert\n", to: folder + "/client.crt")
            try write("key\n", to: folder + "/client.key")
            let configuration = try client(
                minimalClient
                    + "\n    tls-client-certificate-file: \(folder)/client.crt\n    tls-client-key-file: \(folder)/client.key\n")
            #expect(configuration.authenticationMethod == .clientSecretBasic)
            #expect(configuration.tlsClientCertificateFile == folder + "/client.crt")
            #expect(configuration.tlsClientKeyFile == folder + "/client.key")
        }
    }

    @Test("a TLS client certificate without its key is rejected, and the key without its certificate")
    func tlsCertificateWithoutKey() async throws {
        try await withTemporaryDirectory { folder in
            try write("cert\n", to: folder + "/client.crt")
            let certificateOnly = try #require(
                onlyIssue(minimalClient + "\n    tls-client-certificate-file: \(folder)/client.crt\n"))
            #expect(certificateOnly.line == 6 && certificateOnly.column == 5)
            #expect(certificateOnly.keyPath == "clients.mod-client.tls-client-certificate-file")
            #expect(certificateOnly.message == "needs `tls-client-key-file` too, the certificate's PEM private key")
            let keyOnly = try #require(onlyIssue(minimalClient + "\n    tls-client-key-file: \(folder)/client.crt\n"))
            #expect(keyOnly.keyPath == "clients.mod-client.tls-client-key-file")
            #expect(keyOnly.message == "needs `tls-client-certificate-file` too, the PEM certificate of this key")
        }
    }

    @Test("a FIFO or a device named as a certificate, key or CA file is rejected at load, at its line, naming the file")
    func specialFilesRejected() async throws {
        try await withTemporaryDirectory { folder in
            #expect(mkfifo(folder + "/client.crt", 0o600) == 0)
            let found = issues(
                minimalClient
                    + "\n    tls-client-certificate-file: \(folder)/client.crt\n    tls-client-key-file: /dev/zero\n    ca-file: \(folder)\n"
            )
            #expect(
                found.map { "\($0.line ?? 0) \($0.keyPath): \($0.message)" } == [
                    "6 clients.mod-client.tls-client-certificate-file: \(folder)/client.crt: is a FIFO, not a regular file "
                        + "(expected a file holding the client's PEM certificate)",
                    "7 clients.mod-client.tls-client-key-file: /dev/zero: is a character device, not a regular file "
                        + "(expected a file holding the PEM private key of the client's certificate)",
                    "8 clients.mod-client.ca-file: \(folder): is a directory, not a regular file "
                        + "(expected a file holding PEM certificates of trusted roots)",
                ])
        }
    }

    @Test("TLS client certificate and key files that do not exist are rejected, each at its line")
    func missingTLSFiles() throws {
        let found = issues(
            minimalClient
                + "\n    tls-client-certificate-file: missing.crt\n    tls-client-key-file: /nonexistent/client.key\n")
        #expect(
            found.map { "\($0.line ?? 0):\($0.column ?? 0) \($0.keyPath): \($0.message)" } == [
                "6:34 clients.mod-client.tls-client-certificate-file: no such file: missing.crt (expected the client's PEM certificate)",
                "7:26 clients.mod-client.tls-client-key-file: no such file: /nonexistent/client.key "
                    + "(expected the PEM private key of the client's certificate)",
            ])
    }

    // MARK: Authenticated by the TLS certificate

    /// A client of `method` with `extra` lines (4-space indented) from line 6.
    private func tlsClient(_ method: String, _ extra: String) -> String {
        """
        clients:
          mtls-client:
            token-uri: https://auth.example.com/oauth2/token
            client-id: abc
            client-authentication-method: \(method)
        \(extra)
        """
    }

    @Test(
        "tls_client_auth and self_signed_tls_client_auth take the certificate and key, and no secret",
        arguments: [ClientAuthenticationMethod.tlsClientAuth, .selfSignedTLSClientAuth])
    func tlsMethods(method: ClientAuthenticationMethod) async throws {
        try await withTemporaryDirectory { folder in
            try write("cert\n", to: folder + "/client.crt")
            try write("key\n", to: folder + "/client.key")
            let loaded = try parse(
                tlsClient(
                    method.rawValue,
                    """
                        tls-client-certificate-file: \(folder)/client.crt
                        tls-client-key-file: \(folder)/client.key
                    """))
            let configuration = try #require(loaded.configuration.clients.first)
            #expect(configuration.authenticationMethod == method)
            #expect(method.authenticatesWithTLSCertificate)
            #expect(configuration.clientSecret == .none)
            #expect(configuration.tlsClientCertificateFile == folder + "/client.crt")
            #expect(configuration.tlsClientKeyFile == folder + "/client.key")
            #expect(loaded.warnings.isEmpty)
        }
    }

    @Test("a TLS method without the certificate and key says which files it needs")
    func tlsMethodWithoutFiles() throws {
        let issue = try #require(onlyIssue(tlsClient("self_signed_tls_client_auth", "")))
        #expect(issue.line == 5 && issue.column == 35)
        #expect(issue.keyPath == "clients.mtls-client.client-authentication-method")
        #expect(
            issue.message == "self_signed_tls_client_auth needs `tls-client-certificate-file` (the client's PEM certificate) "
                + "and `tls-client-key-file` (the certificate's PEM private key)")
    }

    @Test("a TLS method with only the certificate names the missing key")
    func tlsMethodWithoutKey() async throws {
        try await withTemporaryDirectory { folder in
            try write("cert\n", to: folder + "/client.crt")
            let issue = try #require(
                onlyIssue(tlsClient("tls_client_auth", "    tls-client-certificate-file: \(folder)/client.crt")))
            #expect(issue.line == 5)
            #expect(issue.keyPath == "clients.mtls-client.client-authentication-method")
            #expect(issue.message == "tls_client_auth needs `tls-client-key-file` (the certificate's PEM private key)")
        }
    }

    @Test("a secret beside a TLS method is a warning that it is ignored")
    func tlsMethodWithSecret() async throws {
        try await withTemporaryDirectory { folder in
            try write("cert\n", to: folder + "/client.crt")
            try write("key\n", to: folder + "/client.key")
            let loaded = try parse(
                tlsClient(
                    "tls_client_auth",
                    """
                        tls-client-certificate-file: \(folder)/client.crt
                        tls-client-key-file: \(folder)/client.key
                        client-secret: s3cret
                    """))
            #expect(
                loaded.warnings == [
                    "tokentop.yaml:8:5: clients.mtls-client.client-secret: is not used with tls_client_auth and is ignored"
                ])
        }
    }

    // MARK: mouse

    @Test("mouse is on unless the file turns it off")
    func mouse() throws {
        #expect(try parse(minimalClient).configuration.mouse)
        #expect(try parse("mouse: false\n" + minimalClient).configuration.mouse == false)
    }

    @Test("mouse must be true or false")
    func badMouse() throws {
        let issue = try #require(onlyIssue("mouse: sometimes\n" + minimalClient))
        #expect(issue.line == 1 && issue.column == 8)
        #expect(issue.keyPath == "mouse")
        #expect(issue.message == "expected true or false, got \"sometimes\"")
    }
}
