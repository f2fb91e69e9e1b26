import ArgumentParser
import Foundation
import TokenHandout

/// The `tokentop` command: the dashboard by default, and scriptable subcommands.
public struct Tokentop: AsyncParsableCommand {
    /// The one version string: `--version`, `serve`'s build_info metric.
    static let version = "0.2.0"

    public static let configuration = CommandConfiguration(
        commandName: "tokentop",
        abstract: "A terminal dashboard and CLI for OAuth 2.0 client-credentials tokens.",
        discussion: """
            With no configuration file found, the dashboard starts its embedded demo authorization and \
            /mod resource servers on loopback and shows their clients; the other commands need --demo for that.
            Configuration: --config FILE, else $TOKENTOP_CONFIG, else $XDG_CONFIG_HOME/tokentop/config.yaml, \
            else ./tokentop.yaml.
            Exit status: 0 healthy, 1 a client failed, 2 a configuration or usage error.
            """,
        version: Tokentop.version,
        subcommands: [
            DashboardCommand.self, CheckCommand.self, TokenCommand.self, DecodeCommand.self,
            IntrospectCommand.self, RevokeCommand.self, DemoServerCommand.self, ImportCommand.self, ServeCommand.self,
            ExecCommand.self, GitCommand.self, CacheCommand.self,
        ],
        defaultSubcommand: DashboardCommand.self)

    public init() {}

    /// Runs the command line, mapping usage errors to exit status 2 as the CLI contract says.
    public static func runMain() async {
        // The front's mark is for the front alone: the commands this one runs must not inherit it.
        unsetenv(FullProgram.frontMarker)
        do {
            let arguments = expandingSpringPaths(Array(CommandLine.arguments.dropFirst()))
            if let mistake = unknownCommand(in: arguments) { throw mistake }
            var command = try parseAsRoot(arguments)
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            printError("tokentop: \(error.description)")
            Foundation.exit(error.exitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            if code == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(2)
            }
            if error is ExitCode { Foundation.exit(code.rawValue) }
            printError("tokentop: \(fullMessage(for: error))")
            Foundation.exit(code.rawValue == 0 ? 1 : code.rawValue)
        }
    }
}

/// Options every command that reads the configuration shares.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .long, help: "The configuration file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var config: String?

    @Option(
        name: .customLong("log-file"),
        help: """
            Write logs to this file (appended). Without it the dashboard and the one-shot commands log nowhere, \
            so the screen and stdout stay clean, and serve logs to stderr.
            """)
    var logFile: String?

    @Flag(help: "Use the embedded demo servers instead of a configuration (the dashboard does so by itself when none exists).")
    var demo = false

    @Option(
        name: .customLong("spring"),
        help: """
            Read the clients from Spring Boot application.yml/.properties files (or folders of them) instead; \
            several paths may follow one --spring (--spring a.yml b.yml), later ones win.
            """,
        completion: .file(extensions: ["yml", "yaml", "properties"]))
    var springPaths: [String] = []

    @Option(name: .customLong("profile"), help: "With --spring: an active Spring profile (repeatable).")
    var springProfiles: [String] = []

    @Option(
        name: .customLong("resource-path"),
        help: "With --spring: appended to a classic client's baseUrl to give its resource-uri, e.g. /mod.")
    var springResourcePath: String?
}

/// `--events-file`, for the commands that run a token manager (the dashboard, `check`, `serve`):
/// its events are what the file records. `token`, `decode`, `introspect` and `revoke` run none,
/// so they do not take it.
struct EventsFileOption: ParsableArguments {
    @Option(
        name: .customLong("events-file"),
        help: """
            Append every event (fetches, failures, API answers, verdict changes, actions) as JSON lines to this file \
            (created 0600; not through a symbolic link). A line that cannot be written is dropped and reported.
            """)
    var path: String?
}
