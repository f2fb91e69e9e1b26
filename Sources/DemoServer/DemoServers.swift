import Logging
import ServiceLifecycle

/// The demo's servers, built but not yet listening: services for the caller's `ServiceGroup`,
/// and `listening()` to learn where they listen once the group runs them.
///
/// ```swift
/// let servers = try await DemoEnvironment.prepare(DemoServerOptions())
/// // a group runs servers.services, first and in this order
/// let demo = try await servers.listening()
/// let configuration = demo.configuration()   // the demo clients, pointing at the servers
/// ```
public struct DemoServers: Sendable {
    /// In start order: the demo's clean-up first, so a group (which stops its services in
    /// reverse) runs it after every server has stopped, then the servers.
    public let services: [any Service]
    private let startup: DemoStartup
    private let addresses: DemoAddressBook
    private let assemble: @Sendable (DemoEndpoints, DemoEnvironment.OwnGroup?) -> DemoEnvironment

    init(
        services: [any Service], startup: DemoStartup, addresses: DemoAddressBook,
        assemble: @escaping @Sendable (DemoEndpoints, DemoEnvironment.OwnGroup?) -> DemoEnvironment
    ) {
        self.services = services
        self.startup = startup
        self.addresses = addresses
        self.assemble = assemble
    }

    /// Waits until every server listens and returns the running demo. Throws the first server's
    /// failure to listen (naming it, and the port when it is in use), or that the group stopped first.
    public func listening() async throws -> DemoEnvironment {
        try await listening(ownGroup: nil)
    }

    func listening(ownGroup: DemoEnvironment.OwnGroup?) async throws -> DemoEnvironment {
        try await startup.wait()
        guard let endpoints = addresses.endpoints else {
            throw DemoServerError.invalidOption("the demo servers did not report their addresses")
        }
        return assemble(endpoints, ownGroup)
    }
}

/// Stops the periodic key rotation and removes the key folder once the group shuts down (or
/// is cancelled): the last of the demo's services to stop.
struct DemoCleanUp: Service {
    let control: DemoControl
    let keyFolder: DemoKeyFolder?

    func run() async {
        // Returns on the group's graceful shutdown, and throws on its cancellation: both end the demo.
        try? await gracefulShutdown()
        await control.stop()
        keyFolder?.remove()
    }
}

/// Runs one server, telling `startup` when it listens, or naming it in the error when it
/// stops before it listened (a port in use).
struct StartingService<Inner: Service>: Service {
    let inner: Inner
    let name: String
    let startup: DemoStartup
    let describeStartFailure: @Sendable (any Error) -> DemoServerError

    func run() async throws {
        do {
            try await inner.run()
        } catch {
            guard await startup.isListening(name) else {
                let described = describeStartFailure(error)
                await startup.fail(name, described)
                throw described
            }
            throw error
        }
        await startup.fail(name, DemoServerError.invalidOption("the demo servers stopped while starting"))
    }
}

/// Which of the demo's servers listen yet: resolved once all do, failed by the first that
/// stops before it listens (the others then stop too, and their errors say less).
actor DemoStartup {
    private var starting: Set<String> = []
    private var failure: (any Error)?
    private var waiters: [CheckedContinuation<Void, any Error>] = []

    /// Names the servers that must listen before the demo is ready, before any runs.
    func expecting(_ names: [String]) {
        starting = Set(names)
    }

    func listens(_ name: String) {
        starting.remove(name)
        guard starting.isEmpty, failure == nil else { return }
        for waiter in waiters { waiter.resume() }
        waiters = []
    }

    func isListening(_ name: String) -> Bool {
        !starting.contains(name)
    }

    func fail(_ name: String, _ error: any Error) {
        guard starting.contains(name), failure == nil else { return }
        failure = error
        for waiter in waiters { waiter.resume(throwing: error) }
        waiters = []
    }

    func wait() async throws {
        if let failure { throw failure }
        if starting.isEmpty { return }
        try await withCheckedThrowingContinuation { waiters.append($0) }
    }
}
