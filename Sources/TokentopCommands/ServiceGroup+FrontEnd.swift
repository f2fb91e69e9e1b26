import Logging
import ServiceLifecycle

extension ServiceGroup {
    /// Runs `services` and a front end in one group with graceful shutdown on SIGINT, SIGTERM
    /// and SIGHUP. When the front end returns (or throws), the group shuts down, stopping the
    /// services in reverse order; the front end's error, if any, is rethrown afterwards.
    static func runUntilFrontEndEnds(_ services: [any Service], frontEnd: any Service) async throws {
        let quiet = Logger(label: "tokentop.lifecycle", factory: { _ in SwiftLogNoOpLogHandler() })
        let outcome = FrontEndOutcome(frontEnd)
        var configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) }
                + [.init(service: outcome, successTerminationBehavior: .gracefullyShutdownGroup,
                         failureTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint, .sighup],
            logger: quiet)
        configuration.maximumGracefulShutdownDuration = .seconds(15)
        try await ServiceGroup(configuration: configuration).run()
        if let error = await outcome.error { throw error }
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
