import ArgumentParser
import Dashboard
import Foundation
import ServiceLifecycle
import TerminalDriver
import TokenManager
import TokenModel

/// `tokentop` / `tokentop dashboard`: the live terminal dashboard.
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "The live dashboard (the default). Press ? inside it for the keys.")

    @OptionGroup var options: ConfigurationOptions

    @Option(help: "The theme to start with (default, dark, light, high-contrast, colorblind, or one of your own).")
    var theme: String?

    @Flag(help: "Leave the mouse to the terminal (text selection) instead of taking clicks and the wheel; `mouse: false` in the configuration does the same.")
    var noMouse = false

    func run() async throws {
        let (themes, themeProblems) = ThemeLoader.standard().loadAvailable()
        for problem in themeProblems { printError("tokentop: warning: \(problem)") }
        let context = try await AppContext.make(options, demo: .whenNoConfiguration)
        var services = context.infrastructure
        let keyMap: KeyMap
        let manager: TokenManager
        do {
            keyMap = try KeyMap(bindings: context.configuration.keyBindings)
            let themeName = theme ?? context.configuration.theme
            if let themeName, !themes.contains(where: { $0.name == themeName }) {
                throw CLIError.usage(
                    "no theme named \"\(themeName)\"; available: \(themes.map(\.name).joined(separator: ", "))")
            }
            manager = try context.makeManager()
            if let path = options.eventsFile { services.append(try EventLog(path: path, manager: manager)) }
        } catch {
            // Nothing has started but the context: close it through its own hook.
            try await ServiceGroup.runUntilFrontEndEnds(services, frontEnd: FailedStart(error: error))
            return
        }
        let dashboard = TerminalDashboard(
            configuration: .init(
                configurationPath: context.origin, themes: themes, themeName: theme ?? context.configuration.theme,
                keyMap: keyMap, mouse: context.configuration.mouse && !noMouse))
        try await ServiceGroup.runUntilFrontEndEnds(
            services.prefix(1) + [manager] + services.dropFirst(), frontEnd: DashboardService(dashboard: dashboard, manager: manager))
    }
}

/// The dashboard as a service: it runs until the user quits, which ends the group.
struct DashboardService: Service {
    let dashboard: TerminalDashboard
    let manager: TokenManager

    func run() async throws {
        let manager = manager
        try await cancelWhenGracefulShutdown {
            do {
                try await dashboard.run(
                    initial: await manager.snapshot(), snapshots: await manager.updates(),
                    perform: { await manager.perform($0) },
                    tokenForCopy: { await manager.heldToken(for: $0) })
            } catch is CancellationError {
                return
            } catch {
                throw CLIError.runtime(String(describing: error))
            }
        }
    }
}

/// A front end that only reports why nothing could start, after the group has cleaned up.
struct FailedStart: Service {
    let error: any Error

    func run() async throws { throw error }
}
