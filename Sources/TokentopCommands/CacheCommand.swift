import ArgumentParser
import Foundation
import TokenCache
import TokenModel

/// `tokentop cache list|clear`: what the shared token cache holds, and emptying it.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "List or clear the token cache that token, exec, git and the dashboard share.",
        discussion: """
            The cache lives in $XDG_CACHE_HOME/tokentop/tokens (else ~/.cache/tokentop/tokens): a 0700 folder of \
            0600 files, one per client configuration, the token in plaintext, or with cache-encryption: keyring in the \
            desktop keyring (clear removes it from there too). It is refused when the folder is a link, \
            someone else's, or open to others.
            Exit status: 0 when listed or cleared; 1 when the cache cannot be used (refused as above, unreadable); 2 on a configuration or usage error.
            """,
        subcommands: [CacheListCommand.self, CacheClearCommand.self])

    /// The cache at its standard place, or a runtime error saying why not. It reads no
    /// configuration, so it can reach the keyring: an entry's file says whether its token is there.
    static func store() throws -> TokenCacheStore {
        do {
            return try TokenCacheStore.standard(encryption: .keyring)
        } catch {
            throw CLIError.runtime(error.description)
        }
    }
}

/// `tokentop cache list`: one line per entry, never the token.
struct CacheListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the cached tokens: client, expiry, age and the process that wrote each (no token).")

    func run() throws {
        let store = try CacheCommand.store()
        try printResult(Self.table(store.list(), now: Date()), terminator: "")
    }

    /// The listing: a header and a row per entry, or a line saying the cache is empty.
    static func table(_ entries: [(file: String, lookup: TokenCacheStore.Lookup)], now: Date) -> String {
        guard !entries.isEmpty else { return "no cached tokens\n" }
        var rows = [["CLIENT", "TYPE", "EXPIRES", "WRITTEN", "BY", "KEY"]]
        for (file, lookup) in entries {
            let key = String(file.prefix(12))
            switch lookup {
            case .found(let entry):
                let expires =
                    entry.expiresAt <= now
                    ? "expired " + TimeText.relative(entry.expiresAt, now: now) : TimeText.relative(entry.expiresAt, now: now)
                rows.append([
                    TerminalText.sanitize(entry.client), TerminalText.sanitize(entry.tokenType), expires,
                    TimeText.relative(entry.writtenAt, now: now),
                    "\(TerminalText.sanitize(entry.writer.program)) (pid \(entry.writer.pid))", key,
                ])
            case .ignored(_, let why):
                rows.append(["?", "-", "-", "-", "not used: " + why, key])
            case .missing:
                continue
            }
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

/// `tokentop cache clear [NAME]`.
struct CacheClearCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clear", abstract: "Remove the cached tokens of one client (by name), or all of them.")

    @Argument(help: "The client whose tokens go (default: every cached token).", completion: ClientNameCompletion.kind)
    var name: String?

    func run() async throws {
        let (removed, keyringFailure) = try await CacheCommand.store().clearEverywhere(client: name)
        try printResult("removed \(removed) cached token\(removed == 1 ? "" : "s")" + (name.map { " of \($0)" } ?? ""))
        if let keyringFailure {
            throw CLIError.runtime(
                "the cache files are removed, but \(keyringFailure.description); secret-tool clear application tokentop removes them"
            )
        }
    }
}
