import Foundation
import Testing
import TokenConfig

@Suite("Rejecting a broken configuration with file:line:column: key: message")
struct ValidationTests {
    @Test("the description reads like a compiler's message")
    func descriptionShape() throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    poll-interval: ten\n"))
        #expect(
            issue.description == "tokentop.yaml:6:20: clients.mod-client.poll-interval: expected a duration "
                + "such as 500ms, 30s, 5m or 1h30m (a bare number is seconds), got \"ten\"")
    }

    @Test("every problem in the file is reported at once, in file order")
    func allProblemsAtOnce() throws {
        let path = try fixturesDirectory() + "/many-errors.yaml"
        do {
            _ = try ConfigurationLoader.load(from: path, environment: [:])
            Issue.record("many-errors.yaml was accepted")
        } catch let error as ConfigurationError {
            #expect(
                error.issues.map { "\($0.line ?? 0):\($0.column ?? 0) \($0.keyPath)" } == [
                    "2:18 defaults.poll-interval",
                    "4:3 clients.mod-client",
                    "5:16 clients.mod-client.token-uri",
                    "6:5 clients.mod-client.clent-id",
                    "8:19 clients.mod-client.history-size",
                    "13:5 clients.other-client.client-secret-file",
                    "14:8 theme",
                ])
            #expect(error.issues.allSatisfy { $0.file == path })
            #expect(error.description.split(separator: "\n").count == 7)
            #expect(
                error.description.contains(
                    "\(path):6:5: clients.mod-client.clent-id: unknown key `clent-id` "
                        + "for a client; did you mean `client-id`?"))
        }
    }

    // MARK: Required settings

    @Test("a client without client-id is rejected at the client's name")
    func missingClientID() throws {
        let issue = try #require(
            onlyIssue(
                """
                clients:
                  mod-client:
                    token-uri: https://auth.example.com/token
                    client-secret: s
                """))
        #expect(issue.line == 2 && issue.column == 3)
        #expect(issue.keyPath == "clients.mod-client")
        #expect(issue.message == "missing `client-id`; every client needs the id the authorization server gave it")
    }

    @Test("an empty client-id is rejected")
    func emptyClientID() throws {
        let issue = try #require(onlyIssue(minimalClient.replacingOccurrences(of: "client-id: abc", with: "client-id: \"\"")))
        #expect(issue.line == 4)
        #expect(issue.keyPath == "clients.mod-client.client-id")
        #expect(issue.message.hasPrefix("is empty"))
    }

    @Test("a client needs token-uri or issuer-uri")
    func missingEndpoint() throws {
        let issue = try #require(
            onlyIssue(
                """
                clients:
                  mod-client:
                    client-id: abc
                    client-secret: s
                """))
        #expect(issue.line == 2)
        #expect(issue.keyPath == "clients.mod-client")
        #expect(issue.message == "missing `issuer-uri` (to discover the endpoints) or `token-uri`; one of them is required")
    }

    // MARK: URIs

    @Test(
        "URIs must be absolute http or https URLs",
        arguments: ["/oauth2/token", "ftp://auth.example.com/t", "not a url", "https://"])
    func badURI(value: String) throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    introspection-uri: \"\(value)\"\n"))
        #expect(issue.line == 6)
        #expect(issue.column == 24)
        #expect(issue.keyPath == "clients.mod-client.introspection-uri")
        #expect(issue.message.hasPrefix("expected an absolute http or https URL"))
        #expect(issue.message.hasSuffix("got \"\(value)\""))
    }

    @Test("plain http to a remote host needs allow-insecure-http")
    func insecureHTTP() throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    resource-uri: http://api.example.com/mod\n"))
        #expect(issue.line == 6)
        #expect(issue.keyPath == "clients.mod-client.resource-uri")
        #expect(
            issue.message == "uses plain http to api.example.com, which is not this machine; "
                + "use https, or set `allow-insecure-http: true` for a test server")
    }

    @Test("a resource indicator must be an absolute URI")
    func badResource() throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    resource: [https://ok.example.com, relative/path]\n"))
        #expect(issue.keyPath == "clients.mod-client.resource[1]")
        #expect(issue.message.hasPrefix("expected an absolute URI"))
    }

    // MARK: Secrets

    @Test("at most one of client-secret, client-secret-file and client-secret-command")
    func twoSecrets() throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    client-secret-command: pass show mod\n"))
        #expect(issue.line == 6 && issue.column == 5)
        #expect(issue.keyPath == "clients.mod-client.client-secret-command")
        #expect(
            issue.message == "only one of `client-secret`, `client-secret-file` and `client-secret-command` "
                + "may be set, and `client-secret` is already set")
    }

    @Test("a client secret is required unless the client uses private_key_jwt")
    func missingSecret() throws {
        let issue = try #require(
            onlyIssue(
                """
                clients:
                  mod-client:
                    token-uri: https://auth.example.com/token
                    client-id: abc
                """))
        #expect(issue.line == 2)
        #expect(issue.keyPath == "clients.mod-client")
        #expect(issue.message.hasPrefix("missing a client secret: set `client-secret`"))
    }

    @Test("a secret that expands to nothing is reported at its key")
    func emptySecret() throws {
        let issue = try #require(
            onlyIssue(
                minimalClient.replacingOccurrences(of: "s3cret", with: "${MOD_SECRET}"), environment: ["MOD_SECRET": ""]))
        #expect(issue.line == 5 && issue.column == 20)
        #expect(issue.keyPath == "clients.mod-client.client-secret")
        #expect(issue.message.hasPrefix("is empty, and no other client secret is set"))
    }

    @Test("optional secret sources let the environment choose one")
    func secretChosenByEnvironment() throws {
        let yaml = minimalClient.replacingOccurrences(
            of: "client-secret: s3cret",
            with: "client-secret: ${SECRET:-}\n    client-secret-file: ${SECRET_FILE:-}")
        #expect(
            try parse(yaml, environment: ["SECRET_FILE": "/run/secrets/mod"]).configuration.clients[0].clientSecret
                == .file(path: "/run/secrets/mod"))
        #expect(try parse(yaml, environment: ["SECRET": "x"]).configuration.clients[0].clientSecret == .inline("x"))
    }

    @Test("an error about a secret never shows the secret")
    func secretNotShown() throws {
        let issue = try #require(
            onlyIssue(
                minimalClient.replacingOccurrences(
                    of: "client-secret: s3cret", with: "client-secret: [hunter2-secret]")))
        #expect(issue.keyPath == "clients.mod-client.client-secret")
        #expect(issue.message == "expected the client secret as text, got a list")
        #expect(!issue.description.contains("hunter2"))
    }

    @Test("private_key_jwt needs private-key-file, and the file must exist")
    func privateKeyJWT() throws {
        let base = """
            clients:
              signer:
                token-uri: https://auth.example.com/token
                client-id: abc
                client-authentication-method: private_key_jwt
            """
        let missingKey = try #require(onlyIssue(base))
        #expect(missingKey.line == 5 && missingKey.column == 35)
        #expect(missingKey.keyPath == "clients.signer.client-authentication-method")
        #expect(missingKey.message == "private_key_jwt needs `private-key-file`, a PEM RSA or EC P-256 private key")

        let missingFile = try #require(onlyIssue(base + "\n    private-key-file: /nonexistent/key.pem\n"))
        #expect(missingFile.line == 6)
        #expect(missingFile.keyPath == "clients.signer.private-key-file")
        #expect(missingFile.message == "no such file: /nonexistent/key.pem (expected a PEM RSA or EC P-256 private key)")

        let folder = try fixturesDirectory()
        let loaded = try parse(base + "\n    private-key-file: client-key.pem\n", path: folder + "/t.yaml")
        #expect(loaded.configuration.clients[0].privateKeyFile == folder + "/client-key.pem")
    }

    @Test("a secret set beside private_key_jwt is a warning")
    func unusedSecretWarning() throws {
        let folder = try fixturesDirectory()
        let loaded = try parse(
            minimalClient + """

                    client-authentication-method: private_key_jwt
                    private-key-file: client-key.pem
                """, path: folder + "/t.yaml")
        #expect(
            loaded.warnings == [
                "\(folder)/t.yaml:5:5: clients.mod-client.client-secret: is not used with private_key_jwt and is ignored"
            ])
    }

    @Test("a ca-file that does not exist is rejected")
    func missingCAFile() throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    ca-file: /nonexistent/ca.pem\n"))
        #expect(issue.keyPath == "clients.mod-client.ca-file")
        #expect(issue.message.hasPrefix("no such file: /nonexistent/ca.pem"))
    }

    // MARK: Typed values

    @Test(
        "durations must be durations, and positive",
        arguments: [
            ("ten", "expected a duration such as 500ms, 30s, 5m or 1h30m (a bare number is seconds), got \"ten\""),
            ("0s", "must be a positive duration such as 30s, got \"0s\""),
            ("-5s", "must be a positive duration such as 30s, got \"-5s\""),
            ("[1, 2]", "expected a duration such as 10s or 5m, got a list"),
        ])
    func badDuration(value: String, message: String) throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    refresh-skew: \(value)\n"))
        #expect(issue.line == 6 && issue.column == 19)
        #expect(issue.keyPath == "clients.mod-client.refresh-skew")
        #expect(issue.message == message)
    }

    @Test("a bad duration under defaults names the defaults key")
    func badDefaultDuration() throws {
        let issue = try #require(onlyIssue("defaults:\n  timeout: 5 minutes\n" + minimalClient))
        #expect(issue.line == 2 && issue.column == 12)
        #expect(issue.keyPath == "defaults.timeout")
    }

    @Test("history-size is a whole number from 1 to 10000", arguments: ["0", "-1", "10001", "1.5", "many"])
    func badHistorySize(value: String) throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    history-size: \(value)\n"))
        #expect(issue.line == 6)
        #expect(issue.keyPath == "clients.mod-client.history-size")
        #expect(issue.message == "expected a whole number from 1 to 10000, got \"\(value)\"")
    }

    @Test("booleans are true or false")
    func badBool() throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    allow-insecure-http: maybe\n"))
        #expect(issue.keyPath == "clients.mod-client.allow-insecure-http")
        #expect(issue.message == "expected true or false, got \"maybe\"")
    }

    @Test("a choice lists the allowed values and suggests the closest")
    func badChoice() throws {
        let method = try #require(onlyIssue(minimalClient + "\n    client-authentication-method: basic\n"))
        #expect(method.line == 6 && method.column == 35)
        #expect(method.keyPath == "clients.mod-client.client-authentication-method")
        #expect(
            method.message == "expected one of `client_secret_basic`, `client_secret_post`, `private_key_jwt`, "
                + "`tls_client_auth`, `self_signed_tls_client_auth`, got \"basic\"; did you mean `client_secret_basic`?")
        let refresh = try #require(onlyIssue(minimalClient + "\n    refresh: manuel\n"))
        #expect(refresh.message == "expected one of `auto`, `manual`, got \"manuel\"; did you mean `manual`?")
        let encoding = try #require(onlyIssue(minimalClient + "\n    client-secret-basic-encoding: base64\n"))
        #expect(encoding.keyPath == "clients.mod-client.client-secret-basic-encoding")
    }

    @Test("only the client_credentials grant is accepted")
    func otherGrant() throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    authorization-grant-type: password\n"))
        #expect(issue.keyPath == "clients.mod-client.authorization-grant-type")
        #expect(issue.message == "tokentop uses only the client_credentials grant, got \"password\"")
    }

    @Test("token-parameters is a mapping that cannot replace tokentop's own parameters")
    func tokenParameters() throws {
        let reserved = try #require(onlyIssue(minimalClient + "\n    token-parameters:\n      grant_type: password\n"))
        #expect(reserved.line == 7 && reserved.column == 7)
        #expect(reserved.keyPath == "clients.mod-client.token-parameters.grant_type")
        #expect(reserved.message == "`grant_type` is set by tokentop itself and cannot be replaced here")
        let notMapping = try #require(onlyIssue(minimalClient + "\n    token-parameters: tenant=acme\n"))
        #expect(notMapping.message == "expected a mapping of extra form parameters, such as `foo: bar`, got \"tenant=acme\"")
    }

    // MARK: Keys

    @Test(
        "an unknown key suggests the closest known key",
        arguments: [
            ("clent-id", "client-id"), ("client_id", "client-id"), ("clientId", "client-id"),
            ("poll-intervall", "poll-interval"), ("scopes", "scope"), ("issuer-url", "issuer-uri"),
            ("secret", "client-secret"),
        ])
    func unknownClientKey(key: String, suggestion: String) throws {
        let found = issues(minimalClient + "\n    \(key): x\n")
        let issue = try #require(found.first { $0.keyPath == "clients.mod-client.\(key)" })
        #expect(issue.line == 6 && issue.column == 5)
        #expect(issue.message == "unknown key `\(key)` for a client; did you mean `\(suggestion)`?")
    }

    @Test("an unknown key with nothing close lists what is known")
    func unknownKeyWithoutSuggestion() throws {
        let issue = try #require(onlyIssue(minimalClient + "\nwhatever: 1\n"))
        #expect(issue.line == 6 && issue.column == 1)
        #expect(issue.keyPath == "whatever")
        #expect(
            issue.message
                == "unknown key `whatever` at the top level; expected one of `defaults`, `clients`, `theme`, `keys`, `mouse`, `cache-encryption`"
        )
    }

    @Test("a client setting at the top level says where it belongs")
    func clientKeyAtTopLevel() throws {
        let issue = try #require(onlyIssue(minimalClient + "\nclient-id: abc\n"))
        #expect(issue.keyPath == "client-id")
        #expect(issue.message == "`client-id` is a client setting; put it under `clients:` and the client's name")
    }

    @Test("defaults takes only the five shared settings")
    func defaultsKeys() throws {
        let found = issues("defaults:\n  client-id: abc\n  refresh-skw: 1m\n" + minimalClient)
        #expect(found.map(\.keyPath) == ["defaults.client-id", "defaults.refresh-skw"])
        #expect(
            found[0].message
                == "`client-id` has no default; `defaults:` takes `refresh-skew`, `poll-interval`, `timeout`, `history-size`, `credential-warning`"
        )
        #expect(found[1].message == "unknown key `refresh-skw` under `defaults:`; did you mean `refresh-skew`?")
    }

    @Test("keys: binds action names to non-empty keys")
    func keyBindings() throws {
        let configuration = try parse(minimalClient + "\nkeys:\n  refresh: f\n  revoke: 1\n").configuration
        #expect(configuration.keyBindings == ["refresh": "f", "revoke": "1"])
        let empty = try #require(onlyIssue(minimalClient + "\nkeys:\n  refresh: \"\"\n"))
        #expect(empty.line == 7 && empty.column == 12)
        #expect(empty.keyPath == "keys.refresh")
        #expect(empty.message == "expected a key such as f or ctrl-r, got nothing")
        let list = try #require(onlyIssue(minimalClient + "\nkeys: [f, r]\n"))
        #expect(list.keyPath == "keys")
        #expect(list.message == "expected a mapping from action name to key, such as `refresh: f`, got a list")
    }

    // MARK: The file's shape

    @Test("an empty file, or one of only comments, says what is expected", arguments: ["", "# nothing yet\n", "---\n"])
    func emptyFile(yaml: String) throws {
        let issue = try #require(onlyIssue(yaml))
        #expect(issue.line == nil)
        #expect(
            issue.description == "tokentop.yaml: the file holds no settings; expected a mapping with a "
                + "`clients:` key (see examples/tokentop.yaml)")
    }

    @Test(
        "a top level that is not a mapping is rejected",
        arguments: [
            ("- a\n- b\n", "a list"), ("just text\n", "\"just text\""),
        ])
    func topLevelNotMapping(yaml: String, got: String) throws {
        let issue = try #require(onlyIssue(yaml))
        #expect(issue.line == 1 && issue.column == 1)
        #expect(issue.message == "expected a mapping with a `clients:` key at the top level, got \(got)")
    }

    @Test("clients must be a non-empty mapping")
    func clientsShape() throws {
        let missing = try #require(onlyIssue("theme: dark\n"))
        #expect(missing.message == "missing `clients:`; expected a mapping from each client's name to its settings")
        let empty = try #require(onlyIssue("clients: {}\n"))
        #expect(empty.line == 1 && empty.keyPath == "clients")
        #expect(empty.message.hasPrefix("expected at least one client"))
        let list = try #require(onlyIssue("clients:\n  - mod-client\n"))
        #expect(list.line == 2 && list.column == 3)
        #expect(list.message == "expected a mapping from each client's name to its settings, got a list")
        let scalarClient = try #require(onlyIssue("clients:\n  mod-client: yes\n"))
        #expect(scalarClient.keyPath == "clients.mod-client")
        #expect(scalarClient.message.hasSuffix("got \"yes\""))
    }

    @Test("a client with no settings says so once")
    func emptyClient() throws {
        let issue = try #require(onlyIssue("clients:\n  mod-client:\n"))
        #expect(issue.line == 2 && issue.column == 3)
        #expect(issue.keyPath == "clients.mod-client")
        #expect(issue.message == "has no settings; expected a mapping of the client's settings (`client-id`, `token-uri`, …)")
    }

    @Test("control characters in a value are refused, and shown escaped")
    func controlCharacters() throws {
        let issue = try #require(
            onlyIssue(
                minimalClient.replacingOccurrences(
                    of: "client-id: abc", with: "client-id: \"\\e[31mred\"")))
        #expect(issue.keyPath == "clients.mod-client.client-id")
        #expect(issue.message == "expected the client's id as text without control characters, got \"\\u{1b}[31mred\"")
        #expect(!issue.description.contains("\u{1b}"))
    }

    @Test("a secret command may span lines")
    func multilineCommand() throws {
        let client = try parse(
            minimalClient.replacingOccurrences(
                of: "client-secret: s3cret", with: "client-secret-command: |\n      cd /tmp\n      pass show mod")
        ).configuration.clients[0]
        #expect(client.clientSecret == .command("cd /tmp\npass show mod"))
    }

    @Test("more than one YAML document is refused")
    func twoDocuments() throws {
        let issue = try #require(onlyIssue(minimalClient + "\n---\ntheme: x\n"))
        #expect(issue.line == 6 && issue.column == 1)
        #expect(issue.message == "the file holds more than one YAML document (a second `---`); tokentop reads only one")
    }

    @Test("malformed YAML reports libyaml's line and column")
    func malformedYAML() throws {
        let issue = try #require(onlyIssue("clients:\n  mod-client:\n    client-id: [abc\n    token-uri: x\n"))
        #expect(issue.line == 4 && issue.column == 14)
        #expect(issue.keyPath == "")
        #expect(
            issue.description == "tokentop.yaml:4:14: invalid YAML: did not find expected ',' or ']' "
                + "(while parsing a flow sequence at line 3)")
    }

    @Test("a tab used for indentation gets a hint")
    func tabIndentation() throws {
        let issue = try #require(onlyIssue("clients:\n\tmod-client:\n"))
        #expect(issue.line == 2)
        #expect(issue.message.hasSuffix("; YAML indents with spaces, not tabs"))
    }

    @Test("a duplicate key is reported with its line")
    func duplicateKey() throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    client-id: again\n"))
        #expect(issue.line == 4 && issue.column == 5)
        #expect(
            issue.message == "duplicate key `client-id`: set here and again later in the same mapping; "
                + "a key may appear only once")
    }
}
