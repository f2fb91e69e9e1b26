import Foundation
import Testing
import TokenConfig
import TokenModel

/// The settings that tell tokentop when a client's credentials end, and how early to warn.
@Suite("Credential settings: ends and the warning window")
struct CredentialSettingsTests {
    @Test("credential-warning is 14 days unless the client or defaults say otherwise")
    func warningWindow() throws {
        #expect(try parse(minimalClient).configuration.clients[0].credentialWarning == .seconds(14 * 86_400))
        let configured = try parse("defaults:\n  credential-warning: 30d\n" + minimalClient).configuration
        #expect(configured.clients[0].credentialWarning == .seconds(30 * 86_400))
        #expect(
            try parse(minimalClient + "\n    credential-warning: 2d\n").configuration.clients[0].credentialWarning
                == .seconds(2 * 86_400))
    }

    @Test(
        "client-secret-expires-at takes a date (midnight UTC) or an RFC 3339 time",
        arguments: [
            ("2027-03-31", 1_806_451_200.0),
            ("2027-03-31T12:00:00Z", 1_806_494_400.0),
            ("2027-03-31T14:00:00+02:00", 1_806_494_400.0),
        ])
    func secretEnd(text: String, seconds: Double) throws {
        let client = try parse(minimalClient + "\n    client-secret-expires-at: \(text)\n").configuration.clients[0]
        #expect(client.clientSecretExpiresAt == Date(timeIntervalSince1970: seconds))
    }

    @Test("a client-secret-expires-at that is no date is reported at its line")
    func badSecretEnd() throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    client-secret-expires-at: next tuesday\n"))
        #expect(
            issue.description
                == "tokentop.yaml:6:31: clients.mod-client.client-secret-expires-at: expected a date such as 2027-03-31 or "
                + "2027-03-31T12:00:00Z, got \"next tuesday\"")
    }

    @Test("a non-ASCII client-secret-expires-at is reported, never handed to a formatter that could trap")
    func nonASCIISecretEnd() throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    client-secret-expires-at: \"2027-03-3\u{05B1}\"\n"))
        #expect(issue.description.contains("expected a date such as 2027-03-31"), "\(issue)")
    }

    @Test("client-registration-file: client_secret_expires_at of an RFC 7591 response; 0 means no end")
    func registrationFile() async throws {
        try await withTemporaryDirectory { folder in
            try write(#"{"client_id":"abc","client_secret_expires_at":1806451200}"#, to: folder + "/registration.json")
            try write(#"{"client_id":"abc","client_secret_expires_at":0}"#, to: folder + "/forever.json")
            let yaml = minimalClient + "\n    client-registration-file: registration.json\n"
            let client = try parse(yaml, path: folder + "/tokentop.yaml").configuration.clients[0]
            #expect(client.clientSecretExpiresAt == Date(timeIntervalSince1970: 1_806_451_200))
            let forever = try parse(
                minimalClient + "\n    client-registration-file: forever.json\n", path: folder + "/tokentop.yaml")
            #expect(forever.configuration.clients[0].clientSecretExpiresAt == nil)
        }
    }

    @Test(
        "a registration response without the field, or with a hostile number, is reported with its file",
        arguments: [
            (#"{"client_id":"abc"}"#, "has no number `client_secret_expires_at` (RFC 7591 §3.2.1)"),
            (#"{"client_secret_expires_at":1e300}"#, "has `client_secret_expires_at` 1e+300, which is no time in seconds"),
            (#"{"client_secret_expires_at":-5}"#, "has `client_secret_expires_at` -5.0, which is no time in seconds"),
            (#"["not", "an object"]"#, "is not an RFC 7591 registration response (a JSON object)"),
        ])
    func badRegistrationFile(contents: String, problem: String) async throws {
        try await withTemporaryDirectory { folder in
            try write(contents, to: folder + "/registration.json")
            let found = issues(
                minimalClient + "\n    client-registration-file: registration.json\n", path: folder + "/tokentop.yaml")
            #expect(found.map(\.message) == ["\(folder)/registration.json \(problem)"])
        }
    }

    @Test("only one source of the secret's end")
    func bothEnds() async throws {
        try await withTemporaryDirectory { folder in
            try write(#"{"client_secret_expires_at":0}"#, to: folder + "/registration.json")
            let found = issues(
                minimalClient + "\n    client-secret-expires-at: 2027-03-31\n    client-registration-file: registration.json\n",
                path: folder + "/tokentop.yaml")
            #expect(
                found.map(\.message) == [
                    "only one of `client-secret-expires-at` and `client-registration-file` may be set, and "
                        + "`client-secret-expires-at` is already set"
                ])
        }
    }

    @Test("client-assertion-x5t needs the certificate it names; both are ignored, with a warning, without private_key_jwt")
    func assertionCertificate() throws {
        let folder = try fixturesDirectory()
        let signing = """
            clients:
              signing-client:
                token-uri: https://auth.example.com/oauth2/token
                client-id: abc
                client-authentication-method: private_key_jwt
                private-key-file: client-key.pem
                client-assertion-x5t: true
            """
        #expect(
            issues(signing, path: folder + "/tokentop.yaml").map(\.message)
                == ["needs `client-assertion-certificate-file`, the certificate whose thumbprint it names"])
        let loaded = try parse(
            signing + "\n    client-assertion-certificate-file: trusted-roots.pem\n", path: folder + "/tokentop.yaml")
        #expect(loaded.configuration.clients[0].clientAssertionCertificateFile == folder + "/trusted-roots.pem")
        #expect(loaded.configuration.clients[0].clientAssertionSHA1Thumbprint)
        let unused = try parse(
            minimalClient + "\n    client-assertion-certificate-file: trusted-roots.pem\n", path: folder + "/tokentop.yaml")
        #expect(unused.warnings.count == 1)
        #expect(
            unused.warnings.first?.hasSuffix(
                "clients.mod-client.client-assertion-certificate-file: is only used with "
                    + "`client-authentication-method: private_key_jwt` and is ignored") == true)
    }
}

/// A client assertion made elsewhere: `client-assertion-file` or `client-assertion-command`.
@Suite("Federated client assertion settings")
struct FederatedAssertionSettingsTests {
    let federated = """
        clients:
          federated:
            token-uri: https://login.example/oauth2/v2.0/token
            client-id: 00000000-aaaa-bbbb-cccc-000000000000
        """

    @Test("client-assertion-file alone makes a private_key_jwt client that needs no key of its own")
    func file() async throws {
        try await withTemporaryDirectory { folder in
            try write("eyJhbGciOiJSUzI1NiJ9.e30.c2ln", to: folder + "/token")
            let client = try parse(federated + "\n    client-assertion-file: token\n", path: folder + "/tokentop.yaml")
                .configuration.clients[0]
            #expect(client.authenticationMethod == .privateKeyJWT)
            #expect(client.federatedAssertion == .file(path: folder + "/token"))
            #expect(client.privateKeyFile == nil)
        }
    }

    @Test("client-assertion-command is run by the secret command's rules")
    func command() throws {
        let client = try parse(federated + "\n    client-assertion-command: cat /var/run/secrets/token\n").configuration.clients[
            0]
        #expect(client.federatedAssertion == .command("cat /var/run/secrets/token"))
        #expect(client.authenticationMethod == .privateKeyJWT)
    }

    @Test("both sources, a signing key beside one, or another method: each reported at its line")
    func conflicts() async throws {
        try await withTemporaryDirectory { folder in
            try write("eyJhbGciOiJSUzI1NiJ9.e30.c2ln", to: folder + "/token")
            let path = folder + "/tokentop.yaml"
            #expect(
                issues(federated + "\n    client-assertion-file: token\n    client-assertion-command: cat token\n", path: path)
                    .map(\.message) == [
                        "only one of `client-assertion-file` and `client-assertion-command` may be set, and "
                            + "`client-assertion-file` is already set (\(folder)/token)"
                    ])
            try write("not a key", to: folder + "/key.pem")
            #expect(
                issues(federated + "\n    client-assertion-file: token\n    private-key-file: key.pem\n", path: path)
                    .map(\.message) == [
                        "only one of `private-key-file` (tokentop signs the assertion) and `client-assertion-file` or "
                            + "`client-assertion-command` (the assertion is made elsewhere) may be set"
                    ])
            #expect(
                issues(
                    federated + "\n    client-assertion-file: token\n    client-authentication-method: client_secret_post\n",
                    path: path
                )
                .map(\.message) == [
                    "a client with `client-assertion-file` or `client-assertion-command` sends that assertion: "
                        + "write `private_key_jwt` or leave the method unset"
                ])
            #expect(
                issues(federated + "\n    client-assertion-file: missing\n", path: path).map(\.message)
                    == ["no such file: \(folder)/missing (expected a client assertion (a JWT))"])
        }
    }
}

@Suite("Writing the credential settings")
struct CredentialSettingsWriterTests {
    @Test("the writer keeps a federated assertion, the secret's end and the warning window; they load back the same")
    func roundTrip() async throws {
        try await withTemporaryDirectory { folder in
            try write("eyJhbGciOiJSUzI1NiJ9.e30.c2ln", to: folder + "/token")
            let client = ClientConfiguration(
                name: "federated", tokenURI: URL(string: "https://login.example/token"), clientID: "abc",
                authenticationMethod: .privateKeyJWT, credentialWarning: .seconds(3 * 86_400),
                clientSecretExpiresAt: Date(timeIntervalSince1970: 1_806_451_200),
                federatedAssertion: .file(path: folder + "/token"))
            let yaml = try ConfigurationWriter.yaml(ConfigurationDraft(clients: [ConfigurationWriter.client(client)]))
            let loaded = try parse(yaml, path: folder + "/tokentop.yaml").configuration.clients[0]
            #expect(loaded.federatedAssertion == client.federatedAssertion)
            #expect(loaded.clientSecretExpiresAt == client.clientSecretExpiresAt)
            #expect(loaded.credentialWarning == .seconds(3 * 86_400))
            #expect(loaded.authenticationMethod == .privateKeyJWT)
        }
    }
}
