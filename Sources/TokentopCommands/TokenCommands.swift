import ArgumentParser
import Foundation
import OAuthClient
import TokenHandout
import TokenModel

/// `tokentop token NAME`: the raw access token alone on stdout, for
/// `curl -H "Authorization: Bearer $(tokentop token mod-client)"`, from the shared cache when
/// one there has long enough left; or in the shape another program reads (`--output`).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Print an access token for a client, alone on stdout (or as --output says).",
        discussion: """
            Tokens are shared between processes through a cache under $XDG_CACHE_HOME/tokentop/tokens (0700, \
            files 0600): a cached token with at least --min-ttl left is printed without a request, else a new one is \
            fetched and written back, and callers that miss together make one request between them. \
            A DPoP-bound token is useless without its key: it is printed only with --dpop-proof METHOD URL, \
            which prints the proof for that request too.
            Exit status: 0 with the token printed; 1 when no token came or stdout could not be written; 2 on a configuration or usage error.
            """)

    @OptionGroup var options: ConfigurationOptions
    @OptionGroup var source: TokenSourceOptions

    @Argument(help: "The client's name.", completion: ClientNameCompletion.kind)
    var name: String

    @Option(name: [.customShort("o"), .long], help: "token, header (for curl -H @-), json, exec-credential (kubectl) or git.")
    var output: OutputFormat = .token

    @Option(
        name: .customLong("dpop-proof"), parsing: .upToNextOption,
        help: ArgumentHelp(
            "For a DPoP-bound token: METHOD URL of the request it is for; the proof is printed too.", valueName: "METHOD URL"))
    var dpopProof: [String] = []

    func validate() throws {
        guard dpopProof.isEmpty || dpopProof.count == 2 else {
            throw ValidationError("--dpop-proof takes two values, the request's METHOD and URL (put NAME before it)")
        }
        if !dpopProof.isEmpty, !output.carriesProof {
            throw ValidationError("--output \(output.rawValue) has no place for a DPoP proof; use token, header or json")
        }
    }

    func run() async throws {
        let text = try await AppContext.with(options) { context in
            let token = try await TokenSource(context: context, options: source, program: "token").token(for: name)
            let proof = try await DPoPPresentation.proof(for: token, client: name, request: dpopProof, context: context)
            return TokenOutput.render(token, as: output, proof: proof)
        }
        try printResult(text, terminator: "")
    }
}

/// `tokentop introspect NAME [TOKEN|-]`: RFC 7662 introspection of a given token, or of a
/// freshly fetched one.
struct IntrospectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "introspect",
        abstract: "Introspect a token (RFC 7662) at a client's authorization server.",
        discussion: """
            Without TOKEN, a fresh token is fetched and introspected.
            Exit status: 0 when the token is active; 1 when it is not, or the request failed; 2 on a configuration or usage error.
            """)

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
        discussion: """
            Without TOKEN, a fresh token is fetched and revoked: a check that revocation works end to end.
            Exit status: 0 when the server took the revocation; 1 when the request failed; 2 on a configuration or usage error.
            """)

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
    @Argument(help: "The client whose credentials authenticate the request.", completion: ClientNameCompletion.kind)
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

extension OutputFormat: ExpressibleByArgument {}
