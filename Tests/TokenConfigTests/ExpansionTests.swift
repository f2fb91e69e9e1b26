import Testing
import TokenConfig

@Suite("${VAR} expansion")
struct ExpansionTests {
    private func client(_ secretValue: String, environment: [String: String]) throws -> ClientConfiguration {
        try parse(
            """
            clients:
              mod-client:
                token-uri: ${TOKEN_HOST:-https://auth.example.com}/token
                client-id: abc
                client-secret: \(secretValue)
            """, environment: environment
        ).configuration.clients[0]
    }

    @Test("${VAR} is replaced by the variable's value")
    func plainVariable() throws {
        let client = try client("${MOD_CLIENT_SECRET}", environment: ["MOD_CLIENT_SECRET": "from-env"])
        #expect(client.clientSecret == .inline("from-env"))
        #expect(client.tokenURI?.absoluteString == "https://auth.example.com/token")
    }

    @Test("${VAR:-default} uses the default when the variable is unset or empty, the value otherwise")
    func defaults() throws {
        #expect(try client("${S:-fallback}", environment: [:]).clientSecret == .inline("fallback"))
        #expect(try client("${S:-fallback}", environment: ["S": ""]).clientSecret == .inline("fallback"))
        #expect(try client("${S:-fallback}", environment: ["S": "set"]).clientSecret == .inline("set"))
        let host = try client("x", environment: ["TOKEN_HOST": "https://other.example.com"])
        #expect(host.tokenURI?.absoluteString == "https://other.example.com/token")
    }

    @Test("variables mix with literal text, and $$ is a literal dollar")
    func literalText() throws {
        #expect(try client("pre-${A}-${B}", environment: ["A": "1", "B": "2"]).clientSecret == .inline("pre-1-2"))
        #expect(try client("pa$$word", environment: [:]).clientSecret == .inline("pa$word"))
        #expect(try client("$$${A}", environment: ["A": "x"]).clientSecret == .inline("$x"))
        #expect(try client("a$b", environment: [:]).clientSecret == .inline("a$b"))
    }

    @Test("an unset variable is an error naming it, with the line, column and key")
    func unsetVariable() throws {
        let issue = try #require(
            onlyIssue(
                """
                clients:
                  mod-client:
                    token-uri: https://auth.example.com/token
                    client-id: abc
                    client-secret: ${MOD_CLIENT_SECRET}
                """))
        #expect(issue.line == 5)
        #expect(issue.column == 20)
        #expect(issue.keyPath == "clients.mod-client.client-secret")
        #expect(
            issue.description == "tokentop.yaml:5:20: clients.mod-client.client-secret: environment variable "
                + "MOD_CLIENT_SECRET is not set (write ${MOD_CLIENT_SECRET:-default} to give a fallback)")
    }

    @Test("an unterminated ${ and a bad variable name are errors")
    func malformedReferences() throws {
        let unterminated = try #require(onlyIssue(minimalClient + "\n    audience: ${AUD\n"))
        #expect(unterminated.line == 6)
        #expect(unterminated.keyPath == "clients.mod-client.audience")
        #expect(unterminated.message == "`${` has no closing `}`; write `$$` for a literal `$`")
        let badName = try #require(onlyIssue(minimalClient + "\n    audience: ${1AUD}\n"))
        #expect(badName.message.contains("`${1AUD}` is not a variable name"))
    }

    @Test("an empty expansion means the setting is not set")
    func emptyMeansUnset() throws {
        let client = try parse(minimalClient + "\n    audience: ${AUDIENCE:-}\n    poll-interval: ${POLL:-}\n")
            .configuration.clients[0]
        #expect(client.audience == nil)
        #expect(client.pollInterval == .seconds(10))
    }

    @Test("typed values are read after expansion")
    func typedValues() throws {
        let client = try parse(
            minimalClient + "\n    poll-interval: ${POLL}\n    history-size: ${SIZE}\n    refresh: ${MODE}\n",
            environment: ["POLL": "45s", "SIZE": "12", "MODE": "manual"]
        ).configuration.clients[0]
        #expect(client.pollInterval == .seconds(45))
        #expect(client.historySize == 12)
        #expect(client.refreshMode == .manual)
    }

    @Test("a bad value from the environment is reported at the key that used it")
    func badExpandedValue() throws {
        let issue = try #require(onlyIssue(minimalClient + "\n    timeout: ${T}\n", environment: ["T": "soon"]))
        #expect(issue.line == 6)
        #expect(issue.keyPath == "clients.mod-client.timeout")
        #expect(issue.message.hasSuffix("got \"soon\""))
    }
}
