import ArgumentParser
import Foundation
import OAuthClient
import TokenModel

/// `tokentop token NAME`: the raw access token alone on stdout, for
/// `curl -H "Authorization: Bearer $(tokentop token mod-client)"`.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Print a fresh access token for a client, alone on stdout.")

    @OptionGroup var options: ConfigurationOptions

    @Argument(help: "The client's name.")
    var name: String

    func run() async throws {
        let token = try await AppContext.with(options) { context in
            try await context.withClient(name) { client async throws(OAuthError) -> IssuedToken in
                try await client.requestToken()
            }
        }
        try printResult(token.accessToken)
    }
}

/// `tokentop introspect NAME [TOKEN|-]`: RFC 7662 introspection of a given token, or of a
/// freshly fetched one.
struct IntrospectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "introspect",
        abstract: "Introspect a token (RFC 7662) at a client's authorization server.",
        discussion: "Without TOKEN, a fresh token is fetched and introspected. Exit status 1 when the token is not active.")

    @OptionGroup var options: ConfigurationOptions
    @OptionGroup var subject: TokenSubject

    func run() async throws {
        let result = try await AppContext.with(options) { context in
            try await context.withClient(subject.name) { client async throws(OAuthError) -> IntrospectionResult in
                try await client.introspect(try await subject.token(using: client))
            }
        }
        try printResult(TerminalText.sanitize(JSONValue.object(result.fields).prettyText, singleLine: false))
        if !result.active { throw ExitCode(1) }
    }

}

/// `tokentop revoke NAME [TOKEN|-]`: RFC 7009 revocation.
struct RevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a token (RFC 7009) at a client's authorization server.",
        discussion: "Without TOKEN, a fresh token is fetched and revoked: a check that revocation works end to end.")

    @OptionGroup var options: ConfigurationOptions
    @OptionGroup var subject: TokenSubject

    func run() async throws {
        let masked = try await AppContext.with(options) { context in
            try await context.withClient(subject.name) { client async throws(OAuthError) -> String in
                let token = try await subject.token(using: client)
                try await client.revoke(token)
                return Redaction.mask(token)
            }
        }
        try printResult("revoked \(masked)")
    }
}

/// `NAME [TOKEN|-]`: the client whose credentials authenticate the request, and the token
/// it is about.
struct TokenSubject: ParsableArguments {
    @Argument(help: "The client whose credentials authenticate the request.")
    var name: String

    @Argument(help: "The token, or - to read it from stdin (default: fetch a fresh one).")
    var token: String?

    /// The token given on the command line or stdin, else a new one from the client.
    func token(using client: AuthorizationClient) async throws(OAuthError) -> String {
        guard let token else { return try await client.requestToken().accessToken }
        var text = token
        if token == "-" {
            do {
                // The first line only, as before.
                text = String(try readStandardInput(holding: "the token").prefix { !$0.isNewline })
            } catch {
                throw OAuthError.configuration(error.description)
            }
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw OAuthError.configuration("no token given on stdin") }
        return trimmed
    }
}

extension AppContext {
    /// Runs one client's operation; an OAuth failure becomes a one-line runtime error (exit 1).
    func withClient<Result>(
        _ name: String, _ body: (AuthorizationClient) async throws(OAuthError) -> Result
    ) async throws -> Result {
        let client = try self.client(named: name)
        do {
            return try await body(client)
        } catch {
            throw CLIError(kind: error.kind == .configuration ? .usage : .runtime, description: "\(name): \(error.description)")
        }
    }
}
