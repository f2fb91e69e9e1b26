import Foundation
import Testing

@testable import TokentopCommands

#if canImport(Glibc)
    import Glibc
#endif

/// What a slip of the fingers gets on the real binary: a suggestion, a completion, several
/// Spring files after one `--spring`.
@Suite("Typos, completion and --spring PATH…", .serialized)
struct CommandLineMistakesTests {
    /// A folder with a configuration of two clients that never needs a server.
    static func configuration() throws -> (folder: URL, path: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-mistakes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("tokentop.yaml").path
        try """
        clients:
          mod-client:
            token-uri: http://127.0.0.1:9/token
            client-id: mod
            client-secret: "${MOD_SECRET}"
          wrong-secret:
            token-uri: http://127.0.0.1:9/token
            client-id: wrong
            client-secret: "${MOD_SECRET}"
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return (folder, path)
    }

    @Test("a mistyped client name gets the name it was probably meant to be")
    func clientDidYouMean() async throws {
        let (folder, path) = try Self.configuration()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await runTokentop(["token", "--config", path, "mod-clent"], environment: ["MOD_SECRET": "s3cret"])
        #expect(result.status == 2)
        #expect(result.stderr.contains(#"no client named "mod-clent""#), "\(result.stderr)")
        #expect(result.stderr.contains(#"did you mean "mod-client"?"#), "\(result.stderr)")
        let far = try await runTokentop(["token", "--config", path, "billing"], environment: ["MOD_SECRET": "s3cret"])
        #expect(far.status == 2)
        #expect(!far.stderr.contains("did you mean"), "\(far.stderr)")
        #expect(far.stderr.contains("clients: mod-client, wrong-secret"))
    }

    @Test("a mistyped import format gets the format it was probably meant to be, before any file is read")
    func importDidYouMean() async throws {
        let result = try await runTokentop(["import", "sprng", "application.yml"], environment: [:])
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown import format 'sprng'; did you mean 'spring'?"), "\(result.stderr)")
        let none = try await runTokentop(["import", "kubernetes"], environment: [:])
        #expect(none.status == 2)
        #expect(none.stderr.contains("unknown import format 'kubernetes'; known: spring"), "\(none.stderr)")
    }

    /// What the shell's completion script asks the binary for the word being typed after `words`.
    func complete(_ words: [String], typing prefix: String, environment: [String: String] = [:]) async throws -> (
        status: Int32, stdout: String
    ) {
        let line = ["tokentop"] + words + [prefix]
        let result = try await runTokentop(
            ["---completion", words[0], "--", "positional@0", String(line.count - 1), String(prefix.count)] + line,
            environment: environment, timeout: 20)
        return (result.status, result.stdout)
    }

    @Test("TAB after tokentop token completes the configured client names, read from --config")
    func completesClientNames() async throws {
        let (folder, path) = try Self.configuration()
        defer { try? FileManager.default.removeItem(at: folder) }
        let all = try await complete(["token", "--config", path], typing: "")
        #expect(all.status == 0)
        #expect(all.stdout.split(separator: "\n").map(String.init) == ["mod-client", "wrong-secret"], "\(all.stdout)")
        let some = try await complete(["token", "--config", path], typing: "wr")
        #expect(some.stdout.split(separator: "\n").map(String.init) == ["wrong-secret"], "\(some.stdout)")
        // Where tokentop looks by itself: $TOKENTOP_CONFIG.
        let located = try await complete(["check"], typing: "mod", environment: ["TOKENTOP_CONFIG": path])
        #expect(located.stdout.split(separator: "\n").map(String.init) == ["mod-client"], "\(located.stdout)")
        // No secret is resolved to complete a name: an unset ${MOD_SECRET} is no obstacle.
        #expect(!all.stdout.contains("s3cret"))
    }

    @Test("completion with a missing, broken or never-ending configuration completes nothing, at once, without an error")
    func completionNeverFails() async throws {
        let (folder, _) = try Self.configuration()
        defer { try? FileManager.default.removeItem(at: folder) }
        let broken = folder.appendingPathComponent("broken.yaml").path
        try "clients: [unclosed\n  mod-client: {".write(toFile: broken, atomically: true, encoding: .utf8)
        let fifo = folder.appendingPathComponent("fifo.yaml").path
        #expect(mkfifo(fifo, 0o600) == 0)
        for config in [folder.appendingPathComponent("missing.yaml").path, broken, fifo] {
            let result = try await complete(["token", "--config", config], typing: "")
            #expect(result.status == 0, "\(config)")
            #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(config): \(result.stdout)")
        }
    }

    @Test(
        "words after --spring PATH that name files are more paths; a client name, an option or what follows -- is not",
        arguments: [
            (["check", "--spring", "a.yml", "b.yml"], ["check", "--spring", "a.yml", "--spring", "b.yml"]),
            (
                ["check", "--spring", "a.yml", "b.yml", "mod-client"],
                ["check", "--spring", "a.yml", "--spring", "b.yml", "mod-client"]
            ),
            (["check", "--spring", "a.yml", "mod-client", "b.yml"], ["check", "--spring", "a.yml", "mod-client", "b.yml"]),
            (["--spring=a.yml", "b.yml", "--json"], ["--spring=a.yml", "--spring", "b.yml", "--json"]),
            (["exec", "--spring", "a.yml", "x", "--", "b.yml"], ["exec", "--spring", "a.yml", "x", "--", "b.yml"]),
            (["check", "b.yml"], ["check", "b.yml"]),
        ])
    func springPaths(arguments: [String], expected: [String]) {
        #expect(Tokentop.expandingSpringPaths(arguments, exists: { ["a.yml", "b.yml"].contains($0) }) == expected)
    }

    @Test(
        "every command states its exit status, the man page's EXIT STATUS is not the generic one, and --log-file's help is true of serve"
    )
    func exitStatusDocumented() async throws {
        let dump = try await runTokentop(["--experimental-dump-help"], environment: [:])
        let tool = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let root = try #require(tool["command"] as? [String: Any])
        let states = { (command: [String: Any]) in (command["discussion"] as? String)?.contains("Exit status") == true }
        for command in root["subcommands"] as? [[String: Any]] ?? [] {
            let name = command["commandName"] as? String ?? "?"
            guard name != "help" else { continue }
            // A command made of subcommands says it once for all (cache), or each says its own (import spring).
            let children = command["subcommands"] as? [[String: Any]] ?? []
            #expect(
                states(command) || (!children.isEmpty && children.allSatisfy(states)), "\(name) does not state its exit status")
        }
        let manual = try String(
            contentsOf: CommandLineDocumentationTests.packageRoot.appendingPathComponent("docs/tokentop.1"), encoding: .utf8)
        #expect(!manual.contains(".Ex -std"), "docs/tokentop.1 has the generic EXIT STATUS: run make man")
        #expect(
            manual.contains("Exit status: 0 with the token printed"), "docs/tokentop.1 is older than the commands: run make man")
        let help = try await runTokentop(["serve", "--help"], environment: [:])
        let words = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(!words.contains("never logs to the terminal"))
        #expect(words.contains("serve logs to stderr"), "\(words)")
    }
}
