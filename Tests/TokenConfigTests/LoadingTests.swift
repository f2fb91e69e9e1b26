import Foundation
import Testing
import TokenConfig

@Suite("Loading a valid configuration")
struct LoadingTests {
    @Test("every key of the full fixture lands in the configuration")
    func fullFixture() throws {
        let folder = try fixturesDirectory()
        let path = folder + "/full.yaml"
        let loaded = try ConfigurationLoader.load(
            from: path, environment: ["MOD_CLIENT_SECRET": "from-the-environment"])
        let configuration = loaded.configuration
        #expect(configuration.sourcePath == path)
        #expect(
            configuration.defaults
                == ClientDefaults(
                    refreshSkew: .seconds(120), pollInterval: .seconds(15), timeout: .seconds(5), historySize: 50,
                    credentialWarning: .seconds(30 * 86_400)))
        #expect(configuration.theme == "solarized")
        #expect(configuration.keyBindings == ["refresh": "f", "quit": "Q"])
        #expect(configuration.mouse == false)
        #expect(configuration.cacheEncryption == .plaintext)
        #expect(
            configuration.clients.map(\.name)
                == ["mod-client", "signing-client", "inherits-client", "file-client", "federated-file", "federated-command"])
        #expect(configuration.client(named: "federated-file")?.federatedAssertion == .file(path: folder + "/registration.json"))
        #expect(
            configuration.client(named: "federated-command")?.federatedAssertion
                == .command("cat /var/run/secrets/tokens/azure-identity-token"))
        #expect(configuration.client(named: "file-client")?.clientSecret == .file(path: folder + "/secrets/file-client"))

        let mod = try #require(configuration.client(named: "mod-client"))
        #expect(mod.issuerURI == URL(string: "https://dev-123.okta.com/oauth2/default"))
        #expect(mod.tokenURI == URL(string: "https://dev-123.okta.com/oauth2/default/v1/token"))
        #expect(mod.introspectionURI == URL(string: "https://dev-123.okta.com/oauth2/default/v1/introspect"))
        #expect(mod.revocationURI == URL(string: "https://dev-123.okta.com/oauth2/default/v1/revoke"))
        #expect(mod.jwkSetURI == URL(string: "https://dev-123.okta.com/oauth2/default/v1/keys"))
        #expect(mod.clientID == "0oabcd12yz2EpHuis75s3")
        #expect(mod.clientSecret == .inline("from-the-environment"))
        #expect(mod.authenticationMethod == .clientSecretPost)
        #expect(mod.basicEncoding == .raw)
        #expect(mod.scopes == ["custom_mod", "other_scope"])
        #expect(mod.audience == "api://default")
        #expect(mod.resources == ["https://api.example.com/one", "urn:example:two"])
        #expect(mod.extraTokenParameters == ["tenant": "acme", "region": "eu"])
        #expect(mod.resourceURI == URL(string: "http://localhost:8080/mod"))
        #expect(mod.pollInterval == .seconds(90))
        #expect(mod.refreshSkew == .seconds(45))
        #expect(mod.refreshMode == .manual)
        #expect(mod.caFile == folder + "/trusted-roots.pem")
        #expect(mod.allowInsecureHTTP)
        #expect(mod.timeout == .milliseconds(2500))
        #expect(mod.historySize == 10000)
        #expect(mod.expectedIssuer == "https://dev-123.okta.com/oauth2/default")
        #expect(mod.expectedAudiences == ["api://default", "https://api.example.com"])
        #expect(mod.dpop)
        #expect(mod.dpopKeyFile == folder + "/client-key.pem")
        #expect(mod.tlsClientCertificateFile == folder + "/trusted-roots.pem")
        #expect(mod.tlsClientKeyFile == folder + "/client-key.pem")
        #expect(mod.cache)
        #expect(mod.clientAssertionAudience == nil)
        #expect(mod.credentialWarning == .seconds(7 * 86_400))
        #expect(mod.clientSecretExpiresAt == Date(timeIntervalSince1970: 1_806_451_200))

        let signing = try #require(configuration.client(named: "signing-client"))
        #expect(signing.authenticationMethod == .privateKeyJWT)
        #expect(signing.privateKeyFile == folder + "/client-key.pem")
        #expect(signing.clientSecret == .none)
        #expect(signing.clientAssertionAudience == .tokenEndpoint)
        #expect(signing.scopes == ["reports.read", "reports.write"])
        #expect(signing.clientAssertionCertificateFile == folder + "/trusted-roots.pem")
        #expect(signing.clientAssertionSHA1Thumbprint)

        let inherits = try #require(configuration.client(named: "inherits-client"))
        #expect(inherits.clientSecret == .command("pass show plain"))
        #expect(inherits.pollInterval == .seconds(15))
        #expect(inherits.refreshSkew == .seconds(120))
        #expect(inherits.timeout == .seconds(5))
        #expect(inherits.historySize == 50)
        #expect(inherits.refreshMode == .automatic)
        #expect(inherits.authenticationMethod == .clientSecretBasic)
        #expect(inherits.basicEncoding == .formURLEncoded)
        #expect(inherits.dpop == false)
        #expect(inherits.cache == false)
        #expect(inherits.expectedAudiences.isEmpty)
        #expect(inherits.credentialWarning == .seconds(30 * 86_400))
        #expect(inherits.clientSecretExpiresAt == Date(timeIntervalSince1970: 1_806_451_200))
        #expect(loaded.warnings.isEmpty)
    }

    @Test("the full fixture sets every key the schema knows")
    func fullFixtureCoversSchema() throws {
        let text = try String(contentsOfFile: try fixturesDirectory() + "/full.yaml", encoding: .utf8)
        let keys = Set(
            text.split(separator: "\n").compactMap { line -> String? in
                let trimmed = line.drop { $0 == " " }
                guard let colon = trimmed.firstIndex(of: ":"), !trimmed.hasPrefix("#") else { return nil }
                return String(trimmed[..<colon])
            })
        for section in ConfigurationSchema.Section.allCases {
            for key in section.keyNames {
                #expect(keys.contains(key), "full.yaml does not set `\(key)`")
            }
        }
    }

    @Test("the shipped example configuration is valid")
    func exampleConfiguration() throws {
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = repository.appendingPathComponent("examples/tokentop.yaml").path
        let loaded = try ConfigurationLoader.load(from: example, environment: ["MOD_CLIENT_SECRET": "x"])
        let client = try #require(loaded.configuration.clients.first)
        #expect(client.name == "mod-client")
        #expect(client.issuerURI?.absoluteString == "https://dev-123.okta.com/oauth2/default")
        #expect(client.scopes == ["custom_mod"])
        #expect(client.resourceURI?.absoluteString == "http://localhost:8080/mod")
    }

    @Test("a minimal client takes the built-in defaults")
    func builtInDefaults() throws {
        let configuration = try parse(minimalClient).configuration
        let client = try #require(configuration.clients.first)
        #expect(configuration.defaults == .standard)
        #expect(client.pollInterval == .seconds(10))
        #expect(client.refreshSkew == .seconds(60))
        #expect(client.timeout == .seconds(10))
        #expect(client.historySize == 100)
        #expect(client.clientSecret == .inline("s3cret"))
        #expect(client.scopes.isEmpty)
        #expect(configuration.theme == nil)
        #expect(configuration.keyBindings.isEmpty)
    }

    @Test("defaults apply to clients that do not set their own, in any order in the file")
    func defaultsInheritance() throws {
        let configuration = try parse(
            """
            clients:
              first:
                token-uri: https://auth.example.com/token
                client-id: a
                client-secret: s
              second:
                token-uri: https://auth.example.com/token
                client-id: b
                client-secret: s
                poll-interval: 5s
                history-size: 7
            defaults:
              poll-interval: 30s
              refresh-skew: 2m
              history-size: 20
            """
        ).configuration
        let first = try #require(configuration.client(named: "first"))
        let second = try #require(configuration.client(named: "second"))
        #expect(first.pollInterval == .seconds(30))
        #expect(first.refreshSkew == .seconds(120))
        #expect(first.historySize == 20)
        #expect(first.timeout == .seconds(10))
        #expect(second.pollInterval == .seconds(5))
        #expect(second.refreshSkew == .seconds(120))
        #expect(second.historySize == 7)
    }

    @Test("scope may be a space-separated string or a list")
    func scopes() throws {
        let asString = try parse(minimalClient + "\n    scope: read  write\n").configuration.clients[0]
        #expect(asString.scopes == ["read", "write"])
        let asList = try parse(minimalClient + "\n    scope:\n      - read\n      - write\n").configuration.clients[0]
        #expect(asList.scopes == ["read", "write"])
        let asFlowList = try parse(minimalClient + "\n    scope: [read]\n").configuration.clients[0]
        #expect(asFlowList.scopes == ["read"])
    }

    @Test("resource may be one URI or a list")
    func resources() throws {
        let one = try parse(minimalClient + "\n    resource: https://api.example.com\n").configuration.clients[0]
        #expect(one.resources == ["https://api.example.com"])
        let two = try parse(minimalClient + "\n    resource: [https://a.example.com, api://b]\n").configuration.clients[0]
        #expect(two.resources == ["https://a.example.com", "api://b"])
    }

    @Test("values are read as written, not as YAML numbers or booleans")
    func valuesAsWritten() throws {
        let client = try parse(
            minimalClient.replacingOccurrences(of: "client-id: abc", with: "client-id: 00123")
                + "\n    audience: yes\n    token-parameters:\n      version: 1.10\n"
        ).configuration.clients[0]
        #expect(client.clientID == "00123")
        #expect(client.audience == "yes")
        #expect(client.extraTokenParameters == ["version": "1.10"])
    }

    @Test("clients keep the order of the file")
    func clientOrder() throws {
        var yaml = "clients:\n"
        for name in ["zeta", "alpha", "mid"] {
            yaml += "  \(name):\n    token-uri: https://a.example.com/t\n    client-id: \(name)\n    client-secret: s\n"
        }
        #expect(try parse(yaml).configuration.clients.map(\.name) == ["zeta", "alpha", "mid"])
    }

    @Test("YAML anchors and merge keys share settings between clients")
    func mergeKeys() throws {
        let configuration = try parse(
            """
            clients:
              first: &okta
                issuer-uri: https://dev-123.okta.com/oauth2/default
                client-id: first
                client-secret: ${SECRET}
                poll-interval: 20s
              second:
                <<: *okta
                client-id: second
            """, environment: ["SECRET": "x"]
        ).configuration
        let second = try #require(configuration.client(named: "second"))
        #expect(second.clientID == "second")
        #expect(second.issuerURI?.absoluteString == "https://dev-123.okta.com/oauth2/default")
        #expect(second.pollInterval == .seconds(20))
    }

    @Test("relative file paths are taken from the configuration file's folder, ~/ from HOME")
    func relativePaths() throws {
        let folder = try fixturesDirectory()
        let configuration = try parse(
            """
            clients:
              a:
                token-uri: https://a.example.com/t
                client-id: a
                client-secret-file: secrets/a.txt
                ca-file: trusted-roots.pem
              b:
                token-uri: https://a.example.com/t
                client-id: b
                client-secret-file: ~/b.secret
            """, environment: ["HOME": "/home/someone"], path: folder + "/inline.yaml"
        ).configuration
        #expect(configuration.clients[0].clientSecret == .file(path: folder + "/secrets/a.txt"))
        #expect(configuration.clients[0].caFile == folder + "/trusted-roots.pem")
        #expect(configuration.clients[1].clientSecret == .file(path: "/home/someone/b.secret"))
    }

    @Test("http is accepted for loopback hosts, and elsewhere only with allow-insecure-http")
    func plainHTTP() throws {
        for host in ["localhost", "127.0.0.1", "[::1]"] {
            let yaml = minimalClient.replacingOccurrences(
                of: "https://auth.example.com", with: "http://\(host):8080")
            #expect(try parse(yaml).configuration.clients[0].tokenURI?.scheme == "http")
        }
        let remote = minimalClient.replacingOccurrences(of: "https://", with: "http://")
        let allowed = try parse(remote + "\n    allow-insecure-http: yes\n").configuration.clients[0]
        #expect(allowed.allowInsecureHTTP)
    }

    @Test("a private-key-file without private_key_jwt is a warning with its line, not an error")
    func unusedPrivateKeyWarning() throws {
        let folder = try fixturesDirectory()
        let loaded = try parse(minimalClient + "\n    private-key-file: client-key.pem\n", path: folder + "/t.yaml")
        #expect(
            loaded.warnings == [
                "\(folder)/t.yaml:6:5: clients.mod-client.private-key-file: "
                    + "is only used with `client-authentication-method: private_key_jwt` and is ignored"
            ])
        #expect(loaded.configuration.clients[0].privateKeyFile == folder + "/client-key.pem")
    }
}
