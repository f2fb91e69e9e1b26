import ArgumentParser
import Dashboard
import Foundation
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

    func run() async throws {
        let themes: [Theme]
        do {
            themes = try ThemeLoader.standard().loadAll()
        } catch {
            throw CLIError.usage(String(describing: error))
        }
        let context = try await AppContext.make(options)
        let keyMap: KeyMap
        do {
            keyMap = try KeyMap(bindings: context.configuration.keyBindings)
        } catch {
            await context.shutdown()
            throw CLIError.usage("\(context.origin): \(error)")
        }
        let themeName = theme ?? context.configuration.theme
        if let themeName, !themes.contains(where: { $0.name == themeName }) {
            await context.shutdown()
            throw CLIError.usage(
                "no theme named \"\(themeName)\"; available: \(themes.map(\.name).joined(separator: ", "))")
        }

        let manager = context.makeManager()
        await manager.start()
        // Keys hand actions over without waiting; each runs in its own task, so one hanging
        // endpoint never holds up another action or the screen.
        let (actions, actionSink) = AsyncStream.makeStream(of: ClientAction.self)
        let worker = Task {
            await withDiscardingTaskGroup { group in
                for await action in actions {
                    group.addTask { await manager.perform(action) }
                }
            }
        }
        let dashboard = TerminalDashboard(
            configuration: .init(configurationPath: context.origin, themes: themes, themeName: themeName, keyMap: keyMap))
        do {
            try await dashboard.run(
                initial: await manager.snapshot(), snapshots: await manager.updates(),
                send: { actionSink.yield($0) },
                tokenForCopy: { await manager.heldToken(for: $0) })
        } catch {
            actionSink.finish()
            worker.cancel()
            await manager.stop()
            await context.shutdown()
            throw CLIError.runtime(String(describing: error))
        }
        actionSink.finish()
        worker.cancel()
        await manager.stop()
        await context.shutdown()
    }
}
