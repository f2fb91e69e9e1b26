import Foundation
import Testing
import TokenConfig
import Yams

@Suite("Writing tokentop's configuration")
struct ConfigurationWriterTests {
    typealias Setting = ConfigurationDraft.Setting

    static let modClient = ConfigurationDraft.Client(
        name: "mod-client", comments: ["from spring.security.oauth2.client.registration.mod-client"],
        settings: [
            Setting(
                "token-uri", .text("https://dev-123.okta.com/oauth2/default/v1/token"),
                comments: ["spring.security.oauth2.client.provider.okta.token-uri (application.yml:20:24)"]),
            Setting("client-id", .text("0oabcd12yz2EpHuis75s3")),
            Setting("client-secret", .text("${OKTA_CLIENT_SECRET}")),
            Setting("scope", .list(["custom_mod", "custom_read"])),
            Setting("token-parameters", .table([.init("foo", "bar: baz")])),
        ])

    @Test("the output, comments and all, loads back with no errors or warnings, references expanded")
    func roundTrip() throws {
        let yaml = try ConfigurationWriter.yaml(ConfigurationDraft(comments: ["generated"], clients: [Self.modClient]))
        #expect(
            yaml.hasPrefix(
                "# generated\nclients:\n  # from spring.security.oauth2.client.registration.mod-client\n  mod-client:\n"))
        #expect(
            yaml.contains("    # spring.security.oauth2.client.provider.okta.token-uri (application.yml:20:24)\n    token-uri: "))
        #expect(yaml.contains("    client-secret: ${OKTA_CLIENT_SECRET}\n"))
        let loaded = try ConfigurationLoader.parse(yaml: yaml, path: "tokentop.yaml", environment: ["OKTA_CLIENT_SECRET": "s"])
        #expect(loaded.warnings.isEmpty)
        let client = try #require(loaded.configuration.client(named: "mod-client"))
        #expect(client.clientSecret == .inline("s"))
        #expect(client.scopes == ["custom_mod", "custom_read"])
        #expect(client.extraTokenParameters == ["foo": "bar: baz"])
    }

    @Test("hostile names and values are quoted: `: `, `#`, quotes and line breaks cannot add keys or clients")
    func hostileNames() throws {
        let hostile = [
            "evil: {client-id: x}", "# not a comment", "a\"b'c", "line\n  injected-client:\n    client-id: y",
            "null", "true", "", "- item", "key: value\nother: 1",
        ]
        let draft = ConfigurationDraft(
            clients: hostile.map { name in
                ConfigurationDraft.Client(
                    name: name, comments: ["comment\nclients: {}"],
                    settings: [
                        Setting("client-id", .text(name)),
                        Setting("token-uri", .text("https://auth.example.com/token")),
                        Setting("client-secret", .text(name + "x")),
                    ])
            })
        let yaml = try ConfigurationWriter.yaml(draft)
        let parsed = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        #expect(Array(parsed.keys) == ["clients"])
        let clients = try #require(parsed["clients"] as? [String: Any])
        #expect(Set(clients.keys) == Set(hostile))
        for name in hostile {
            let settings = try #require(clients[name] as? [String: Any])
            #expect(settings["client-id"] as? String == name)
            #expect(settings.count == 3)
        }
        // Printable hostile names load through tokentop's own reader unchanged.
        let printable = hostile.filter { !$0.contains("\n") && !$0.isEmpty }
        let loaded = try ConfigurationLoader.parse(
            yaml: try ConfigurationWriter.yaml(ConfigurationDraft(clients: draft.clients.filter { printable.contains($0.name) })),
            path: "tokentop.yaml", environment: [:])
        #expect(loaded.configuration.clients.map(\.name) == printable)
        #expect(loaded.configuration.clients.map(\.clientID) == printable)
        #expect(loaded.warnings.isEmpty)
    }

    @Test("literal text keeps `$` as it is: `literal` writes it as `$$`")
    func literalDollar() throws {
        let draft = ConfigurationDraft(clients: [
            ConfigurationDraft.Client(
                name: "c",
                settings: [
                    Setting("token-uri", .text("https://auth.example.com/token")),
                    Setting("client-id", .text("id")),
                    Setting("client-secret", .text(ConfigurationWriter.literal("pa$word${NOT_A_VAR}"))),
                ])
        ])
        let loaded = try ConfigurationLoader.parse(yaml: try ConfigurationWriter.yaml(draft), path: "t.yaml", environment: [:])
        #expect(loaded.configuration.clients.first?.clientSecret == .inline("pa$word${NOT_A_VAR}"))
    }

    @Test("a ClientConfiguration is written with only what differs from the defaults, and reads back equal")
    func fromConfiguration() throws {
        let client = ClientConfiguration(
            name: "full", issuerURI: URL(string: "https://dev-123.okta.com/oauth2/default"),
            tokenURI: URL(string: "https://dev-123.okta.com/oauth2/default/v1/token"),
            introspectionURI: URL(string: "https://dev-123.okta.com/oauth2/default/v1/introspect"),
            clientID: "id", clientSecret: .command("pass show mod"), authenticationMethod: .clientSecretPost,
            basicEncoding: .raw, scopes: ["a", "b"], audience: "api://default", resources: ["https://api.example.com"],
            extraTokenParameters: ["x": "1$"], resourceURI: URL(string: "http://localhost:8080/mod"),
            pollInterval: .seconds(30), refreshMode: .manual, allowInsecureHTTP: true, timeout: .milliseconds(1500),
            historySize: 7, expectedIssuer: "https://issuer.example.com")
        let minimal = ClientConfiguration(
            name: "minimal", tokenURI: URL(string: "https://auth.example.com/token"), clientID: "m", clientSecret: .inline("s$$"))
        let draft = ConfigurationDraft(clients: [
            ConfigurationWriter.client(client), ConfigurationWriter.client(minimal),
        ])
        #expect(draft.clients[1].settings.map(\.key) == ["token-uri", "client-id", "client-secret"])
        let loaded = try ConfigurationLoader.parse(yaml: try ConfigurationWriter.yaml(draft), path: "t.yaml", environment: [:])
        #expect(loaded.configuration.clients == [client, minimal])
    }

    @Test("non-standard defaults are written under `defaults:`")
    func defaults() throws {
        let defaults = ClientDefaults(
            refreshSkew: .seconds(30), pollInterval: .seconds(5), timeout: .seconds(10), historySize: 100)
        let draft = ConfigurationDraft(
            defaults: defaults,
            clients: [
                ConfigurationDraft.Client(
                    name: "c",
                    settings: [
                        Setting("token-uri", .text("https://auth.example.com/token")), Setting("client-id", .text("id")),
                        Setting("client-secret", .text("s")),
                    ])
            ])
        let yaml = try ConfigurationWriter.yaml(draft)
        #expect(yaml.hasPrefix("defaults:\n  refresh-skew: 30s\n  poll-interval: 5s\nclients:\n"))
        let loaded = try ConfigurationLoader.parse(yaml: yaml, path: "t.yaml", environment: [:])
        #expect(loaded.configuration.defaults == defaults)
    }

    @Test("writing is atomic and the file is created with mode 0600")
    func atomicWrite() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "tokentop-writer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/tokentop.yaml"
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o644)
        try ConfigurationWriter.writeAtomically("clients: {}\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "clients: {}\n")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["tokentop.yaml"])
        #expect(throws: ConfigurationWriter.WriteError.self) {
            try ConfigurationWriter.writeAtomically("x", to: folder + "/missing/tokentop.yaml")
        }
    }

    @Test("a path that exists and is not a regular file is refused, left as it was, with no temporary file beside it")
    func refusesSpecialPaths() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "tokentop-writer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // What `-o /dev/stdout` names: a symbolic link to a device.
        let stdout = folder + "/stdout"
        try FileManager.default.createSymbolicLink(atPath: stdout, withDestinationPath: "/dev/null")
        let fifo = folder + "/fifo.yaml"
        #expect(mkfifo(fifo, 0o600) == 0)
        for (path, reason) in [
            (stdout, "is a symbolic link; tokentop does not write through one: name the file it points to"),
            (fifo, "is a FIFO, not a regular file"),
        ] {
            do {
                try ConfigurationWriter.writeAtomically("clients: {}\n", to: path)
                Issue.record("\(path) was replaced")
            } catch let error as ConfigurationWriter.WriteError {
                #expect(error.description == "cannot write \(path): \(reason)")
            }
        }
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: stdout) == "/dev/null")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["fifo.yaml", "stdout"])
    }
}
