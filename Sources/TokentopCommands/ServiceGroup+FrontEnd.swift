import Logging
import ServiceLifecycle
import UnixSignals

extension ServiceGroup {
    /// Runs `services` and a front end in one group with graceful shutdown on SIGINT, SIGTERM
    /// and SIGHUP. When the front end returns (or throws), the group shuts down, stopping the
    /// services in reverse order; the front end's error, if any, is rethrown afterwards.
    /// - Parameter hangUp: what SIGHUP does: stop (a terminal that hung up takes the dashboard
    ///   with it), or reload the configuration (a daemon's convention, for `serve`).
    static func runUntilFrontEndEnds(
        _ services: [any Service], frontEnd: any Service, hangUp: HangUp = .stop
    ) async throws {
        let quiet = Logger(label: "tokentop.lifecycle", factory: { _ in SwiftLogNoOpLogHandler() })
        let outcome = FrontEndOutcome(frontEnd)
        var services = services
        var signals: [UnixSignal] = [.sigterm, .sigint]
        switch hangUp {
        case .stop: signals.append(.sighup)
        case .reload(let reload): services.append(ReloadOnHangUp(reload: reload))
        }
        var configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) }
                + [
                    .init(
                        service: outcome, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup)
                ],
            gracefulShutdownSignals: signals,
            logger: quiet)
        configuration.maximumGracefulShutdownDuration = .seconds(15)
        try await ServiceGroup(configuration: configuration).run()
        if let error = await outcome.error { throw error }
    }
}

/// What SIGHUP does to a running command.
enum HangUp {
    case stop
    case reload(@Sendable () async -> Void)
}

/// Reads the configuration again on every SIGHUP, until the group shuts down.
private struct ReloadOnHangUp: Service {
    let reload: @Sendable () async -> Void

    func run() async throws {
        let hangUps = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in hangUps { await reload() }
        }
    }
}

/// Keeps the front end's error so the group can end cleanly and the command still report it.
private actor FrontEndOutcome: Service {
    private let frontEnd: any Service
    private(set) var error: (any Error)?

    init(_ frontEnd: any Service) { self.frontEnd = frontEnd }

    func run() async throws {
        do {
            try await frontEnd.run()
        } catch {
            self.error = error
        }
    }
}
