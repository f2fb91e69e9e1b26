import DemoServer
import Logging
import ServiceLifecycle
import UnixSignals

/// A command's one `ServiceGroup` while the command still builds its services: they join in
/// the order they are added and stop in reverse. The group runs from `runDemo` on (the demo's
/// servers must listen before the configuration that points at them exists), or else once the
/// command has built everything.
struct CommandGroup: Sendable {
    fileprivate let group: ServiceGroup
    fileprivate let launch: AsyncStream<Void>.Continuation

    /// Adds `services` after those added so far; once the group runs, each starts as it is added.
    func add(_ services: [any Service]) async {
        for service in services { await group.addServiceUnlessShutdown(service) }
    }

    /// Adds the demo's servers, runs the group now and returns the demo once they all listen.
    func runDemo(_ servers: DemoServers) async throws -> DemoEnvironment {
        await add(servers.services)
        launch.finish()
        return try await servers.listening()
    }
}

extension ServiceGroup {
    /// Runs a command's services in one group with graceful shutdown on SIGINT, SIGTERM and
    /// SIGHUP. `setUp` adds the services as it builds them and returns the front end: when the
    /// front end returns (or throws), the group shuts down, stopping the services in reverse
    /// order, and the front end's error, if any, is rethrown afterwards (`ServiceGroup` does
    /// that for a service that shuts the group down on failure). With no front end it runs until
    /// a signal. When `setUp` throws, what it added stops the same way before its error is rethrown.
    /// - Parameter hangUp: what SIGHUP does: stop (a terminal that hung up takes the dashboard
    ///   with it), or reload the configuration (a daemon's convention, for `serve`, which adds
    ///   a `ReloadOnHangUp`).
    static func runUntilFrontEndEnds(
        hangUp: HangUp = .stop, _ setUp: (CommandGroup) async throws -> (any Service)?
    ) async throws {
        var signals: [UnixSignal] = [.sigterm, .sigint]
        if case .stop = hangUp { signals.append(.sighup) }
        try await run(signals: signals, setUp) { frontEnd, group in
            guard let frontEnd else { return }
            await group.addServiceUnlessShutdown(
                .init(
                    service: frontEnd, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup))
        }
    }

    /// Runs `body` with a group for the services it needs (the demo's servers, the connections),
    /// and stops them once it returns or throws: for the commands that end by themselves. It
    /// leaves the signals alone, as those commands always have.
    static func runWhile<T>(_ body: (CommandGroup) async throws -> T) async throws -> T {
        try await run(signals: [], body) { _, group in await group.triggerGracefulShutdown() }
    }

    /// Runs the group in a child task from `runDemo` (or from when `body` ends) while `body`
    /// builds it; `finish` decides, with what `body` returned, how the group ends.
    @discardableResult
    private static func run<T>(
        signals: [UnixSignal], _ body: (CommandGroup) async throws -> T, finish: (T, ServiceGroup) async -> Void
    ) async throws -> T {
        let quiet = Logger(label: "tokentop.lifecycle", factory: { _ in SwiftLogNoOpLogHandler() })
        var configuration = ServiceGroupConfiguration(
            services: [ServiceGroupConfiguration.ServiceConfiguration](), gracefulShutdownSignals: signals, logger: quiet)
        configuration.maximumGracefulShutdownDuration = .seconds(15)
        let group = ServiceGroup(configuration: configuration)
        let (launches, launch) = AsyncStream.makeStream(of: Void.self)
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { tasks in
            tasks.addTask {
                for await _ in launches {}
                try await group.run()
            }
            let result: T
            do {
                result = try await body(CommandGroup(group: group, launch: launch))
            } catch {
                // What has started stops, in reverse, before the error is told; asked before the
                // group runs, the group starts what was added and stops it at once.
                await group.triggerGracefulShutdown()
                launch.finish()
                try? await tasks.waitForAll()
                throw error
            }
            await finish(result, group)
            launch.finish()
            try await tasks.waitForAll()
            return result
        }
    }
}

/// What SIGHUP does to a running command.
enum HangUp {
    case stop
    case reload
}

/// Reads the configuration again on every SIGHUP, until the group shuts down.
struct ReloadOnHangUp: Service {
    let reload: @Sendable () async -> Void

    func run() async throws {
        let hangUps = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in hangUps { await reload() }
        }
    }
}
