import Dashboard
import Foundation
import Testing
import TokenModel

@testable import TokentopCommands

/// What a user types before reading anything: a slip in a command's name, Tab for completions,
/// and the keys, which README, the help overlay, `--help` and the man page must all give alike.
@Suite("Commands, completions and the documented keys")
struct CommandLineDocumentationTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func emptyHome() throws -> [String: String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return ["HOME": directory.path, "XDG_CONFIG_HOME": directory.path + "/config"]
    }

    @Test(
        "a mistyped command gets a suggestion and exit 2, not the dashboard's usage",
        arguments: [
            ("chekc", "check"), ("decod", "decode"), ("revok", "revoke"), ("imprt", "import"),
        ])
    func mistypedCommand(typed: String, meant: String) async throws {
        let result = try await runTokentop([typed, "--demo"], environment: try emptyHome())
        #expect(result.status == 2)
        #expect(result.stderr == "tokentop: unknown command '\(typed)'; did you mean '\(meant)'?\n")
        #expect(result.stdout.isEmpty)
    }

    @Test("a word close to no command says so and lists the commands")
    func unknownCommand() async throws {
        let result = try await runTokentop(["xyzzy"], environment: try emptyHome())
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("tokentop: unknown command 'xyzzy'; the commands are: dashboard, check, token, decode"))
        #expect(!result.stderr.contains("did you mean"))
        #expect(!result.stderr.contains("USAGE"))
    }

    @Test("options and help still reach the default dashboard and the named commands")
    func knownWordsPass() {
        #expect(Tokentop.unknownCommand(in: ["--demo"]) == nil)
        #expect(Tokentop.unknownCommand(in: ["check", "chekc"]) == nil, "only the first word names a command")
        #expect(Tokentop.unknownCommand(in: ["help", "check"]) == nil)
        #expect(Tokentop.unknownCommand(in: []) == nil)
        for name in Tokentop.commandNames { #expect(Tokentop.unknownCommand(in: [name]) == nil) }
    }

    @Test("the bash completion script offers every subcommand and the values of list options")
    func bashCompletion() async throws {
        let result = try await runTokentop(["--generate-completion-script", "bash"], environment: try emptyHome())
        #expect(result.status == 0)
        let script = result.stdout
        let subcommands = try #require(script.split(separator: "\n").first { $0.contains("compgen -W 'dashboard") })
        for name in Tokentop.commandNames {
            #expect(subcommands.contains(" \(name)") || subcommands.contains("'\(name)"), "\(name) is not offered")
        }
        #expect(script.contains("'jwt'$'\\n''introspect'"), "demo-server --validation values")
        #expect(script.contains("'trace'$'\\n''debug'$'\\n''info'"), "demo-server --log-level values")
        #expect(script.contains("'default'$'\\n''colorblind'$'\\n''dark'"), "dashboard --theme names")
    }

    @Test("zsh and fish scripts are generated too")
    func otherShells() async throws {
        for shell in ["zsh", "fish"] {
            let result = try await runTokentop(["--generate-completion-script", shell], environment: try emptyHome())
            #expect(result.status == 0)
            #expect(result.stdout.contains("demo-server"), "\(shell)")
        }
    }

    /// `` `↑`/`k` ``: the keys column of README's table for an action.
    static func readmeKeys(_ action: DashboardAction) -> String {
        KeyMap.standard.keys(for: action).map { "`\($0.label())`" }.joined(separator: "/")
    }

    @Test("every dashboard action is in README's keys table with its default keys and its help words, and in the keys: list")
    func readmeKeysTable() throws {
        let readme = try String(contentsOf: Self.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let rows = readme.split(separator: "\n").map(String.init).filter { $0.hasPrefix("| ") }
        let rebindable = try #require(
            readme.components(separatedBy: "Keys are rebindable under `keys:`").dropFirst().first?.prefix(800))
        for action in DashboardAction.allCases {
            let row = "| \(Self.readmeKeys(action)) | \(action.summary)"
            #expect(rows.contains { $0.hasPrefix(row) }, "README's keys table lacks \(action.rawValue); add a row: \(row) |")
            #expect(rebindable.contains("`\(action.rawValue)`"), "README's list of rebindable actions lacks \(action.rawValue)")
        }
    }

    @Test("every dashboard action is in the help overlay with its default keys and its words")
    func helpOverlay() throws {
        var state = ViewState()
        state.isHelpVisible = true
        let context = ScreenContext(configurationPath: "tokentop.yaml", colorDepth: .monochrome, glyphs: .unicode)
        let frame = Renderer().render(
            ManagerSnapshot(generation: 0, takenAt: Date(timeIntervalSince1970: 0), clients: []), state: state,
            size: TerminalSize(columns: 200, rows: 80), now: Date(timeIntervalSince1970: 0), context: context)
        for action in DashboardAction.allCases {
            let label = KeyMap.standard.label(for: action)
            let shown = frame.text.split(separator: "\n").contains { line in
                // Fixed keys may follow the bound ones (`q/F10/^C`).
                guard let key = line.range(of: label + " ") ?? line.range(of: label + "/") else { return false }
                return line[key.upperBound...].drop { $0 != " " }.drop { $0 == " " }.hasPrefix(action.summary)
                    || line[key.upperBound...].drop { $0 == " " }.hasPrefix(action.summary)
            }
            #expect(shown, "the help overlay lacks \(label) \(action.summary)")
        }
    }

    @Test("every dashboard action is in tokentop dashboard --help and in the committed man page")
    func helpAndManPage() async throws {
        let help = try await runTokentop(["dashboard", "--help"], environment: try emptyHome())
        #expect(help.status == 0)
        let manual = try String(contentsOf: Self.packageRoot.appendingPathComponent("docs/tokentop.1"), encoding: .utf8)
        for entry in DashboardKeysHelp.entries {
            let line = { (text: String) in
                text.split(separator: "\n").contains {
                    $0.contains(entry.keys + " ") && $0.contains(entry.summary + " [\(entry.action)]")
                }
            }
            #expect(line(help.stdout), "dashboard --help lacks \(entry.action)")
            #expect(line(manual), "docs/tokentop.1 lacks \(entry.action): run make man")
        }
        for name in Tokentop.commandNames where name != "help" {
            #expect(manual.contains(".It Em \(name)\n"), "docs/tokentop.1 lacks \(name): run make man")
        }
    }

    @Test("the committed man page has every subcommand's every option, as the binary describes them (else: make man)")
    func manPageCurrent() async throws {
        let dump = try await runTokentop(["--experimental-dump-help"], environment: try emptyHome())
        #expect(dump.status == 0)
        let tool = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let root = try #require(tool["command"] as? [String: Any])
        let manual = try String(contentsOf: Self.packageRoot.appendingPathComponent("docs/tokentop.1"), encoding: .utf8)
        // The page lists each subcommand as `.It Em NAME`, followed by its options as `.It Fl -NAME`.
        var sections: [String: Substring] = [:]
        for part in manual.split(separator: ".It Em ").dropFirst() {
            guard let newline = part.firstIndex(of: "\n") else { continue }
            sections[String(part[..<newline])] = part
        }
        for command in root["subcommands"] as? [[String: Any]] ?? [] {
            let name = try #require(command["commandName"] as? String)
            guard name != "help" else { continue }
            let section = try #require(sections[name], "docs/tokentop.1 lacks \(name): run make man")
            for argument in command["arguments"] as? [[String: Any]] ?? [] where argument["shouldDisplay"] as? Bool == true {
                let longNames = (argument["names"] as? [[String: Any]] ?? [])
                    .filter { $0["kind"] as? String == "long" }.compactMap { $0["name"] as? String }
                guard let option = longNames.first, option != "help", option != "version" else { continue }
                // `Fl -output`, or `Fl o , -output` for an option with a short name too.
                let listed = section.contains("Fl -\(option)") || section.contains(" , -\(option)")
                #expect(listed, "docs/tokentop.1 lacks \(name) --\(option): run make man")
            }
        }
    }
}
