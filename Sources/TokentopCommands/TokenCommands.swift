import ArgumentParser
import Foundation
import OAuthClient

/// `tokentop token NAME`: the raw access token alone on stdout, for
/// `curl -H "Authorization: Bearer $(tokentop token mod-client)"`.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Print a fresh access token for a client, alone on stdout.")

    @OptionGroup var options: ConfigurationOptions

    @Argument(help: "The client's name.")
    var name: String

    func run() async throws {
        let context = try await AppContext.make(options)
        let token = try await context.withClient(name) { client async throws(OAuthError) -> IssuedToken in
            try await client.requestToken()
        }
        print(token.accessToken)
        await context.shutdown()
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

    @Argument(help: "The client whose credentials authenticate the request.")
    var name: String

    @Argument(help: "The token to introspect, or - to read it from stdin (default: fetch a fresh one).")
    var token: String?

    func run() async throws {
        let context = try await AppContext.make(options)
        let result = try await context.withClient(name) { client async throws(OAuthError) -> IntrospectionResult in
            let subject = try await Self.tokenOrFresh(token, client: client)
            return try await client.introspect(subject)
        }
        await context.shutdown()
        print(TerminalText.sanitize(JSONValue.object(result.fields).prettyText, singleLine: false))
        if !result.active { throw ExitCode(1) }
    }

    /// The token given on the command line or stdin, else a new one from the client.
    static func tokenOrFresh(_ given: String?, client: AuthorizationClient) async throws(OAuthError) -> String {
        if let given {
            let text = given == "-" ? (readLine(strippingNewline: true) ?? "") : given
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw OAuthError.configuration("no token given on stdin") }
            return trimmed
        }
        return try await client.requestToken().accessToken
    }
}

/// `tokentop revoke NAME [TOKEN|-]`: RFC 7009 revocation.
struct RevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a token (RFC 7009) at a client's authorization server.",
        discussion: "Without TOKEN, a fresh token is fetched and revoked: a check that revocation works end to end.")

    @OptionGroup var options: ConfigurationOptions

    @Argument(help: "The client whose credentials authenticate the request.")
    var name: String

    @Argument(help: "The token to revoke, or - to read it from stdin (default: fetch a fresh one).")
    var token: String?

    func run() async throws {
        let context = try await AppContext.make(options)
        let masked = try await context.withClient(name) { client async throws(OAuthError) -> String in
            let subject = try await IntrospectCommand.tokenOrFresh(token, client: client)
            try await client.revoke(subject)
            return Redaction.mask(subject)
        }
        await context.shutdown()
        print("revoked \(masked)")
    }
}

extension AppContext {
    /// Runs one client's operation; an OAuth failure becomes a one-line runtime error (exit 1).
    func withClient<Result>(
        _ name: String, _ body: (AuthorizationClient) async throws(OAuthError) -> Result
    ) async throws -> Result {
        let client: AuthorizationClient
        do {
            client = try self.client(named: name)
        } catch {
            await shutdown()
            throw error
        }
        do {
            return try await body(client)
        } catch {
            await shutdown()
            throw CLIError(kind: error.code == "configuration_error" ? .usage : .runtime, description: "\(name): \(error.description)")
        }
    }
}
