import Dashboard
import DemoServer
import Foundation
import Logging
import OAuthClient
import ServiceLifecycle
import SpringConfig
import TokenConfig
import TokenLifecycle
import TokenModel

/// What a command runs on: the configuration (from a file, or the embedded demo's), one
/// HTTP transport, and one `AuthorizationClient` per configured client.
final class AppContext: Sendable {
    let configuration: TokentopConfiguration
    /// Where the configuration came from, for the dashboard header.
    let origin: String
    let transport: HTTPTransport
    let clients: [String: AuthorizationClient]
    let logger: Logger
    /// How `--log-file` and `--events-file` fare: a full disk is reported, never a crash.
    let fileSinks: FileSinkHealth
    /// True when the clients are the embedded demo's, whose servers end with this process.
    let isDemo: Bool
    /// The options the configuration was read with, to read it again (nil on the demo).
    private let reloadOptions: ConfigurationOptions?
    /// The process's environment as it was at start-up, where every client reads its DPoP key's place.
    private let environment: [String: String]

    private init(
        configuration: TokentopConfiguration, origin: String, isDemo: Bool, logger: Logger,
        fileSinks: FileSinkHealth, reloadOptions: ConfigurationOptions? = nil
    ) {
        self.configuration = configuration
        self.fileSinks = fileSinks
        self.origin = origin
        self.isDemo = isDemo
        self.logger = logger
        self.reloadOptions = reloadOptions
        let transport = HTTPTransport()
        self.transport = transport
        // Read once and shared: each read builds a new dictionary, which would cost every one of
        // a fleet's clients a copy of the whole environment (about 4 KiB each).
        let environment = ProcessInfo.processInfo.environment
        self.environment = environment
        var clients: [String: AuthorizationClient] = [:]
        for client in configuration.clients {
            clients[client.name] = Self.service(for: client, transport: transport, logger: logger, environment: environment)
        }
        self.clients = clients
    }

    /// The one way a configured client becomes what talks to its servers, at start and on reload.
    private static func service(
        for client: ClientConfiguration, transport: HTTPTransport, logger: Logger, environment: [String: String]
    ) -> AuthorizationClient {
        AuthorizationClient(configuration: client, transport: transport, logger: logger, environment: environment)
    }

    /// Whether a command may fall back to the embedded demo when no configuration exists.
    enum DemoPolicy {
        /// The dashboard: a fresh machine shows the demo at once.
        case whenNoConfiguration
        /// Scripts: only with `--demo`, so a container without a configuration never gets a
        /// bogus token and exit 0.
        case onlyWhenAsked
    }

    /// Runs `body` with the context the options describe, and closes it afterwards however
    /// `body` ends: the one place one-shot commands clean up.
    static func with<T>(
        _ options: ConfigurationOptions, demo policy: DemoPolicy = .onlyWhenAsked, _ body: (AppContext) async throws -> T
    ) async throws -> T {
        try await ServiceGroup.runWhile { group in
            try await body(try await make(options, demo: policy, group: group))
        }
    }

    /// Loads the configuration the options point at, or starts the embedded demo as the
    /// policy allows, in the command's `group`: the demo's servers, then what closes the
    /// connections, so they stop after everything added later. Configuration problems are
    /// usage errors (exit 2).
    /// - Parameters:
    ///   - logToStandardError: log to stderr when no `--log-file` is given (headless commands; the
    ///     dashboard owns the terminal and logs nowhere then).
    ///   - ownsTerminal: the dashboard: a file that cannot be written is told when it ends
    ///     (`fileSinks.summary()`), not on stderr over the screen.
    static func make(
        _ options: ConfigurationOptions, demo policy: DemoPolicy, logToStandardError: Bool = false, ownsTerminal: Bool = false,
        group: CommandGroup
    ) async throws -> AppContext {
        let context = try await load(
            options, demo: policy, logToStandardError: logToStandardError, ownsTerminal: ownsTerminal, group: group)
        await group.add([ShutdownHook { await context.transport.shutdown() }])
        return context
    }

    private static func load(
        _ options: ConfigurationOptions, demo policy: DemoPolicy, logToStandardError: Bool, ownsTerminal: Bool,
        group: CommandGroup
    ) async throws -> AppContext {
        let reportAtOnce: @Sendable (String) -> Void = { printError("tokentop: warning: \($0)") }
        let fileSinks = FileSinkHealth(report: ownsTerminal ? nil : reportAtOnce)
        let logger = try makeLogger(options.logFile, standardError: logToStandardError, fileSinks: fileSinks)
        let sources = [options.demo, options.config != nil, !options.springPaths.isEmpty].filter { $0 }.count
        guard sources <= 1 else { throw CLIError.usage("--demo, --config and --spring exclude each other") }
        if options.demo { return try await startDemo(logger: logger, fileSinks: fileSinks, group: group) }
        if let (configuration, origin, warnings) = try readConfiguration(options) {
            for warning in warnings { printError("tokentop: warning: \(warning)") }
            return AppContext(
                configuration: configuration, origin: origin, isDemo: false, logger: logger, fileSinks: fileSinks,
                reloadOptions: options)
        }
        guard policy == .whenNoConfiguration else {
            throw CLIError.usage(
                "no configuration found (looked at --config, $TOKENTOP_CONFIG, "
                    + "$XDG_CONFIG_HOME/tokentop/config.yaml or ~/.config/tokentop/config.yaml, and ./tokentop.yaml); "
                    + "pass --config FILE, or --demo to use the embedded demo servers")
        }
        return try await startDemo(logger: logger, fileSinks: fileSinks, group: group)
    }

    /// The configuration the options point at (Spring files, or tokentop's file wherever it is
    /// found), with where it came from and its warnings; nil when there is none. Problems are
    /// usage errors naming file, line and key.
    private static func readConfiguration(
        _ options: ConfigurationOptions
    ) throws -> (TokentopConfiguration, origin: String, warnings: [String])? {
        let environment = ProcessInfo.processInfo.environment
        if !options.springPaths.isEmpty {
            let imported: SpringImport
            do {
                imported = try SpringImport.load(
                    paths: options.springPaths, profiles: options.springProfiles,
                    resourcePath: options.springResourcePath, environment: environment)
            } catch {
                throw CLIError.usage(error.description)
            }
            let profiles = imported.profiles.isEmpty ? "" : " (profiles \(imported.profiles.joined(separator: ", ")))"
            return (
                imported.configuration, "spring: " + imported.files.joined(separator: ", ") + profiles,
                imported.warnings.map { "\($0)" } + imported.skipped.map { "skipped \($0)" }
            )
        }
        let location: ConfigurationLocation?
        do {
            location = try ConfigurationLoader.locate(
                explicitPath: options.config, environment: environment,
                workingDirectory: FileManager.default.currentDirectoryPath)
        } catch {
            throw CLIError.usage(String(describing: error))
        }
        if let location {
            let loaded: LoadedConfiguration
            do {
                loaded = try ConfigurationLoader.load(from: location.path, environment: environment)
                let themeNames = ThemeLoader.standard().themeNames()
                try FrontEndSettings.validate(loaded.configuration, themeNames: themeNames)
            } catch {
                throw CLIError.usage(String(describing: error))
            }
            return (loaded.configuration, location.path, loaded.warnings)
        }
        return nil
    }

    /// The demo's servers run first in the command's group, which stops them last; the
    /// configuration exists once they listen.
    private static func startDemo(logger: Logger, fileSinks: FileSinkHealth, group: CommandGroup) async throws -> AppContext {
        let demo: DemoEnvironment
        do {
            demo = try await group.runDemo(try await DemoEnvironment.prepare(DemoServerOptions(), logger: logger))
        } catch {
            throw CLIError.runtime("the embedded demo could not start: \(error)")
        }
        return AppContext(
            configuration: demo.configuration(), origin: "embedded demo", isDemo: true, logger: logger, fileSinks: fileSinks)
    }

    /// The configured client with this name, or a usage error listing the names there are.
    func client(named name: String) throws -> AuthorizationClient {
        guard let client = clients[name] else {
            let known = configuration.clients.map(\.name)
            let guess = KeySuggestion.closest(to: name, among: known).map { "; did you mean \"\($0)\"?" } ?? ""
            throw CLIError.usage(
                "no client named \"\(TerminalText.sanitize(name))\" in \(origin)\(guess) (clients: \(known.joined(separator: ", ")))"
            )
        }
        return client
    }

    /// A token manager over the named clients (all when none are named), in configuration order.
    func makeManager(clients names: [String] = [], clock: any TokenClock = SystemClock()) throws -> TokenManager {
        for name in names { _ = try client(named: name) }
        let selected = configuration.clients.filter { names.isEmpty || names.contains($0.name) }
        return TokenManager(
            registrations: selected.compactMap { client in
                clients[client.name].map { TokenManager.Registration(configuration: client, service: $0) }
            },
            clock: clock, logger: logger)
    }

    /// Reads the configuration again, from where it came, and hands the manager what changed
    /// (see `TokenManager.reload`). The running configuration stays when the file is broken:
    /// the error says so, with the file, line and key. `keys:`, `theme:` and `mouse:` apply at
    /// the next start.
    func reload(_ manager: TokenManager) async -> (record: ActionRecord, configuration: TokentopConfiguration?) {
        let now = Date()
        // Named by file name: the footer is narrow and the header shows the whole path.
        let name = origin.hasPrefix("/") ? URL(fileURLWithPath: origin).lastPathComponent : origin
        guard let reloadOptions else {
            let record = ActionRecord(
                action: .reload, client: name, at: now, succeeded: false,
                outcome: "the embedded demo's configuration is built in; there is nothing to reload")
            return (record, nil)
        }
        let fresh: TokentopConfiguration
        do {
            guard let read = try Self.readConfiguration(reloadOptions) else {
                throw CLIError.usage("the configuration file is gone")
            }
            fresh = read.0
        } catch {
            let reason = "\(error)".replacingOccurrences(of: origin, with: name)
            let record = ActionRecord(
                action: .reload, client: name, at: now, succeeded: false,
                outcome: "the running configuration stays: \(reason)")
            return (record, nil)
        }
        let summary = await manager.reload(
            fresh.clients.map { client in
                TokenManager.Registration(
                    configuration: client,
                    service: Self.service(for: client, transport: transport, logger: logger, environment: environment))
            })
        return (ActionRecord(action: .reload, client: name, at: now, succeeded: true, outcome: summary.text), fresh)
    }

    private static func makeLogger(_ path: String?, standardError: Bool, fileSinks: FileSinkHealth) throws -> Logger {
        guard let path else {
            if standardError { return Logger(label: "tokentop", factory: { StreamLogHandler.standardError(label: $0) }) }
            return Logger(label: "tokentop", factory: { _ in SwiftLogNoOpLogHandler() })
        }
        let sink = try AppendingFile(option: "--log-file", path: path, label: "log", health: fileSinks)
        return Logger(label: "tokentop", factory: { FileLogHandler(sink: sink, label: $0) })
    }
}

/// A service that does nothing until the group shuts down (on a signal, or because a front
/// end finished), then runs its cleanup: how the connections join the one lifecycle.
struct ShutdownHook: Service {
    let cleanup: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        await cleanup()
    }
}
