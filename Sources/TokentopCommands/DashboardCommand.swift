import ArgumentParser
import Dashboard
import Foundation
import MetricsExporter
import OAuthClient
import ServiceLifecycle
import TerminalDriver
import TokenLifecycle
import TokenModel

/// `tokentop` / `tokentop dashboard`: the live terminal dashboard.
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "The live dashboard (the default). Press ? inside it for the keys.",
        discussion: """
            With --attach URL [URL…] it shows the clients of running `tokentop serve` instances instead, \
            each row with its instance (HOST:PORT) in an INSTANCE column, grouped by instance with I; refresh and revoke go to the instance when it runs with --allow-actions.
            Exit status: 0 when quit; 1 when the terminal cannot be used; 2 on a configuration or usage error.

            """ + DashboardKeysHelp.discussion)

    @OptionGroup var options: ConfigurationOptions
    @OptionGroup var eventsFile: EventsFileOption

    @Option(
        help: "The theme to start with (default, dark, light, high-contrast, colorblind, or one of your own).",
        completion: .list(ThemeLoader.standard().themeNames()))
    var theme: String?

    @Option(
        name: .customLong("attach"), parsing: .upToNextOption,
        help: "Show the clients of these `tokentop serve` instances (http://HOST:PORT) instead of running a token manager.")
    var attach: [String] = []

    @Option(
        name: .customLong("auth-token-file"),
        help: "With --attach: a file holding the bearer token the instances require (their --auth-token-file).")
    var authTokenFile: String?

    @OptionGroup var cache: WriteThroughOptions

    @Flag(
        help:
            "Leave the mouse to the terminal (text selection) instead of taking clicks and the wheel; `mouse: false` in the configuration does the same."
    )
    var noMouse = false

    func run() async throws {
        let (themes, themeProblems) = ThemeLoader.standard().loadAvailable()
        for problem in themeProblems { printError("tokentop: warning: \(problem)") }
        if !attach.isEmpty { return try await runAttached(themes: themes) }
        if authTokenFile != nil { throw CLIError.usage("--auth-token-file goes with --attach") }
        var fileSinks: FileSinkHealth?
        // Said once the terminal is restored: on stderr during the run it would land on the screen.
        defer { for line in fileSinks?.summary() ?? [] { printError("tokentop: warning: \(line)") } }
        // Started in this order and stopped in reverse: the demo's servers and the connections
        // (the context adds them), the manager, then what follows the manager's events (the
        // events file, the cache writer), then the dashboard.
        try await ServiceGroup.runUntilFrontEndEnds { group in
            let context = try await AppContext.make(options, demo: .whenNoConfiguration, ownsTerminal: true, group: group)
            fileSinks = context.fileSinks
            let keyMap = try KeyMap(bindings: context.configuration.keyBindings)
            try Self.check(theme: theme ?? context.configuration.theme, among: themes)
            let manager = try context.makeManager()
            var followers: [any Service] = []
            if let path = eventsFile.path {
                followers.append(try await EventsFile(path: path, manager: manager, health: context.fileSinks))
            }
            if let writer = try CacheWriteThrough.make(context: context, manager: manager, options: cache, program: "dashboard") {
                followers.append(writer)
            }
            await group.add([manager] + followers)
            let dashboard = TerminalDashboard(
                configuration: .init(
                    configurationPath: context.origin, themes: themes, themeName: theme ?? context.configuration.theme,
                    keyMap: keyMap, mouse: context.configuration.mouse && !noMouse))
            return DashboardService(dashboard: dashboard, feed: .manager(manager, context: context))
        }
    }

    /// `--attach`: the dashboard over remote `serve` instances, with no token manager here.
    private func runAttached(themes: [Theme]) async throws {
        if cache.all {
            throw CLIError.usage("--cache writes the tokens of a dashboard's own token manager; with --attach there is none")
        }
        guard options.config == nil, !options.demo, options.springPaths.isEmpty, eventsFile.path == nil else {
            throw CLIError.usage(
                "--attach shows running tokentop serve instances; --config, --demo, --spring and --events-file "
                    + "belong to a dashboard with its own token manager")
        }
        let instances = try attach.map { text throws(CLIError) in try FleetInstance(attach: text) }
        for (index, instance) in instances.enumerated() where instances[..<index].contains(where: { $0.label == instance.label })
        {
            throw CLIError.usage("--attach names \(instance.label) twice")
        }
        let authToken: String?
        do {
            authToken = try authTokenFile.map { path throws(ExporterError) in try ExporterConfiguration.readAuthToken(path: path)
            }
        } catch {
            throw CLIError.usage(error.description)
        }
        try Self.check(theme: theme, among: themes)
        if let warning = authTokenFile.flatMap(ExporterConfiguration.authTokenFileWarning) {
            printError("tokentop: warning: \(warning)")
        }
        if authToken != nil {
            for instance in instances where instance.sendsTokensInClear {
                printError(
                    "tokentop: warning: --auth-token-file's token goes to \(instance.label) over plain http; "
                        + "use an https:// URL (a TLS proxy) or a network you trust")
            }
        }
        let transport = HTTPTransport()
        let fleet = RemoteFleet(instances: instances, authToken: authToken, transport: transport)
        // One round first, so the first frame has the clients and the header says which
        // instances take actions.
        await fleet.poll()
        let dashboard = TerminalDashboard(
            configuration: .init(
                configurationPath: await fleet.summary(), themes: themes, themeName: theme, mouse: !noMouse,
                actionOutcomesAreEvents: false))
        try await ServiceGroup.runUntilFrontEndEnds { group in
            await group.add([ShutdownHook { await transport.shutdown() }, fleet])
            return DashboardService(dashboard: dashboard, feed: .fleet(fleet))
        }
    }

    private static func check(theme name: String?, among themes: [Theme]) throws {
        if let name, !themes.contains(where: { $0.name == name }) {
            throw CLIError.usage("no theme named \"\(name)\"; available: \(themes.map(\.name).joined(separator: ", "))")
        }
    }
}

/// Where a dashboard's snapshots come from and where its actions go: the local token
/// manager, or `serve` instances it is attached to.
struct DashboardFeed: Sendable {
    let initial: @Sendable () async -> ManagerSnapshot
    let snapshots: @Sendable () async -> AsyncStream<ManagerSnapshot>
    let perform: @Sendable (ClientAction) async -> [ActionRecord]
    /// The raw token for the clipboard; nil when there is none to give.
    let tokenForCopy: @Sendable (String) async -> String?

    static func manager(_ manager: TokenManager, context: AppContext) -> DashboardFeed {
        DashboardFeed(
            initial: { await manager.snapshot() }, snapshots: { await manager.updates() },
            perform: { action in
                // `L`: only the command knows where the configuration came from.
                if case .reloadConfiguration = action { return [await context.reload(manager).record] }
                return await manager.perform(action)
            },
            tokenForCopy: { await manager.heldToken(for: $0) })
    }

    /// No token ever leaves a `serve` instance, so there is none to copy.
    static func fleet(_ fleet: RemoteFleet) -> DashboardFeed {
        DashboardFeed(
            initial: { await fleet.snapshot() }, snapshots: { fleet.snapshots() },
            perform: { await fleet.perform($0) }, tokenForCopy: { _ in nil })
    }
}

/// The dashboard as a service: it runs until the user quits, which ends the group.
struct DashboardService: Service {
    let dashboard: TerminalDashboard
    let feed: DashboardFeed

    func run() async throws {
        let feed = feed
        try await cancelWhenGracefulShutdown {
            do {
                try await dashboard.run(
                    initial: await feed.initial(), snapshots: await feed.snapshots(), perform: feed.perform,
                    tokenForCopy: feed.tokenForCopy)
            } catch is CancellationError {
                return
            } catch {
                throw CLIError.runtime(String(describing: error))
            }
        }
    }
}
