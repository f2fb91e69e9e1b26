import ArgumentParser
import Foundation
import ProtocolSupport
import TokenHandout
import TokenModel

/// `tokentop git NAME [get|store|erase]`: a git credential helper (gitcredentials(7)) that
/// answers `get` with a client's token as the password, for Git servers that take OAuth tokens:
/// `git config credential.https://git.example.com.helper '!tokentop git NAME'`.
struct GitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "git",
        abstract: "A git credential helper: answers git's `get` with a client's token as the password.",
        discussion: """
            Configure it for one server, so the token goes nowhere else: \
            git config credential.https://git.example.com.helper '!tokentop git NAME'. \
            git reads the token's expiry from password_expiry_utc (git 2.41 and later). `erase` (git's word that the \
            server refused the password) drops the cached token; `store` is ignored. Over plain http the token is \
            given only to a loopback host.
            Exit status: 0 when git got its answer (or nothing was asked of this helper); 1 when no token came; 2 on a configuration or usage error.
            """)

    @OptionGroup var options: ConfigurationOptions
    @OptionGroup var source: TokenSourceOptions

    @Argument(help: "The client's name.", completion: ClientNameCompletion.kind)
    var name: String

    @Argument(help: "What git asks: get, store or erase.")
    var action = "get"

    @Option(help: "The username to answer when git's request names none (GitHub wants x-access-token, Bitbucket x-token-auth).")
    var username = GitCredential.defaultUsername

    func run() async throws {
        let request = GitCredential.read(FileHandle.standardInput)
        switch action {
        case "get":
            if let refusal = request.refusal {
                printError("tokentop git: \(refusal)")
                return
            }
            let text = try await AppContext.with(options) { context in
                let token = try await TokenSource(context: context, options: source, program: "git").token(for: name)
                guard !token.isDPoPBound else { throw DPoPPresentation.refusal(name) }
                return TokenOutput.render(token, as: .git, username: request.attributes["username"] ?? username)
            }
            try printResult(text, terminator: "")
        case "erase":
            try await AppContext.with(options) { context in
                try await TokenSource(context: context, options: source, program: "git").forget(name)
            }
        default:
            // gitcredentials(7): a helper ignores the actions it does not know, such as `store`.
            return
        }
    }
}

/// What git sends a credential helper: `key=value` lines up to a blank line (gitcredentials(7)).
struct GitCredential: Equatable {
    /// What tokentop answers as the username when git names none.
    static let defaultUsername = TokenOutput.defaultGitUsername
    /// More than any real request; the rest is not read.
    static let largestRequest = 64 * 1024

    var attributes: [String: String]

    /// Parses a request; lines without `=` are skipped, the first value of a key wins.
    init(text: String) {
        var attributes: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals])
            if attributes[key] == nil { attributes[key] = String(line[line.index(after: equals)...]) }
        }
        self.attributes = attributes
    }

    /// Reads git's request from `handle`, to the blank line or the end, at most `largestRequest` bytes.
    static func read(_ handle: FileHandle) -> GitCredential {
        var data = Data()
        while data.count < largestRequest, let chunk = try? handle.read(upToCount: 4096), !chunk.isEmpty {
            data.append(chunk)
            if data.count >= 2, data.suffix(2) == Data("\n\n".utf8) { break }
        }
        return GitCredential(text: String(decoding: data.prefix(largestRequest), as: UTF8.self))
    }

    /// Why no token is given for this request: a token never crosses the network in clear.
    var refusal: String? {
        guard attributes["protocol"] == "http" else { return nil }
        let authority = attributes["host"] ?? ""
        let host: String
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = String(authority[authority.index(after: authority.startIndex)..<close])
        } else {
            host = String(authority.split(separator: ":", maxSplits: 1).first ?? "")
        }
        guard !Loopback.isLoopbackHost(host) else { return nil }
        return "no token for http://\(TerminalText.sanitize(host)): it would cross the network in clear; use https"
    }
}
