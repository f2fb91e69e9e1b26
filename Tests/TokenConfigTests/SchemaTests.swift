import Foundation
import Testing
import TokenConfig

@Suite("One schema of the configuration's keys")
struct SchemaTests {
    @Test("each section lists its keys once, in kebab-case (digits allowed: `client-assertion-x5t` is JOSE's name)")
    func keysAreUnique() {
        for section in ConfigurationSchema.Section.allCases {
            let names = section.keyNames
            #expect(Set(names).count == names.count, "\(section) lists a key twice")
            #expect(names.allSatisfy { $0.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" } }, "\(section): \(names)")
        }
    }

    @Test("each key says what its value must be")
    func expectations() {
        let client = ConfigurationSchema.Section.client
        #expect(client.expectation(of: "poll-interval") == .duration)
        #expect(client.expectation(of: "token-uri") == .url)
        #expect(client.expectation(of: "history-size") == .wholeNumber(1...10_000))
        #expect(
            client.expectation(of: "client-authentication-method")?.description
                == "one of `client_secret_basic`, `client_secret_post`, `private_key_jwt`, `tls_client_auth`, "
                + "`self_signed_tls_client_auth`")
        #expect(client.expectation(of: "clients") == nil)
        #expect(ConfigurationSchema.Section.topLevel.expectation(of: "clients") != nil)
        #expect(ConfigurationSchema.Section.defaults.expectation(of: "scope") == nil)
    }

    @Test("every default is also a client key, which overrides it")
    func defaultsAreClientKeys() {
        let clientKeys = Set(ConfigurationSchema.Section.client.keyNames)
        #expect(ConfigurationSchema.Section.defaults.keyNames.allSatisfy(clientKeys.contains))
    }

    @Test(
        "did you mean: the schema's own names",
        arguments: [
            (ConfigurationSchema.Section.client, "clientId", "client-id"),
            (.client, "client_secret", "client-secret"),
            (.client, "tokn-uri", "token-uri"),
            (.topLevel, "client", "clients"),
            (.defaults, "poll_interval", "poll-interval"),
        ])
    func suggestions(section: ConfigurationSchema.Section, word: String, expected: String) {
        #expect(section.suggestion(for: word) == expected)
    }

    @Test("no suggestion for a word like none of the keys")
    func noSuggestion() {
        #expect(ConfigurationSchema.Section.client.suggestion(for: "banana-split") == nil)
    }

    @Test("the reader's unknown-key message suggests from the same schema")
    func readerUsesSchema() throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    tokenUri: https://auth.example.com/t\n"))
        #expect(issue.keyPath == "clients.mod-client.tokenUri")
        #expect(issue.message == "unknown key `tokenUri` for a client; did you mean `token-uri`?")
    }

    @Test("the key reference in examples/README.md documents every key")
    func keyReferenceIsComplete() throws {
        let readme = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        for section in ConfigurationSchema.Section.allCases {
            for key in section.keyNames {
                #expect(text.contains("`\(key)`") || text.contains("`\(key):`"), "examples/README.md lacks `\(key)`")
            }
        }
    }
}
