import DemoServer
import Foundation
import Logging
import OAuthClient
import TokenConfig
import TokenManager
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
    private let demo: DemoEnvironment?

    private init(
        configuration: TokentopConfiguration, origin: String, demo: DemoEnvironment?, logger: Logger
    ) {
        self.configuration = configuration
        self.origin = origin
        self.demo = demo
        self.logger = logger
        let transport = HTTPTransport()
        self.transport = transport
        var clients: [String: AuthorizationClient] = [:]
        for client in configuration.clients {
            clients[client.name] = AuthorizationClient(configuration: client, transport: transport, logger: logger)
        }
        self.clients = clients
    }

    /// Loads the configuration the options point at, or starts the embedded demo when no
    /// configuration file exists anywhere. Configuration problems are usage errors (exit 2).
    static func make(_ options: ConfigurationOptions, allowDemo: Bool = true) async throws -> AppContext {
        let logger = try makeLogger(options.logFile)
        let environment = ProcessInfo.processInfo.environment
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
            } catch {
                throw CLIError.usage(String(describing: error))
            }
            for warning in loaded.warnings { printError("tokentop: warning: \(warning)") }
            return AppContext(configuration: loaded.configuration, origin: location.path, demo: nil, logger: logger)
        }
        guard allowDemo else {
            throw CLIError.usage(
                "no configuration found: pass --config FILE, set TOKENTOP_CONFIG, or create ./tokentop.yaml")
        }
        let demo = try await DemoEnvironment.start(DemoServerOptions(), logger: logger)
        return AppContext(configuration: demo.configuration(), origin: "embedded demo", demo: demo, logger: logger)
    }

    /// True when running on the embedded demo servers.
    var isDemo: Bool { demo != nil }

    /// The configured client with this name, or a usage error listing the names there are.
    func client(named name: String) throws -> AuthorizationClient {
        guard let client = clients[name] else {
            let names = configuration.clients.map(\.name).joined(separator: ", ")
            throw CLIError.usage("no client named \"\(name)\" in \(origin) (clients: \(names))")
        }
        return client
    }

    /// The clients to act on: the named ones, or all, in configuration order.
    func selectedClients(_ names: [String]) throws -> [AuthorizationClient] {
        if names.isEmpty { return configuration.clients.compactMap { clients[$0.name] } }
        return try names.map { try client(named: $0) }
    }

    /// A token manager over every configured client.
    func makeManager(clock: any TokenClock = SystemClock()) -> TokenManager {
        TokenManager(
            registrations: configuration.clients.compactMap { client in
                clients[client.name].map { TokenManager.Registration(configuration: client, service: $0) }
            },
            clock: clock, logger: logger)
    }

    /// Closes connections and stops the demo servers, if any.
    func shutdown() async {
        await transport.shutdown()
        await demo?.shutdown()
    }

    private static func makeLogger(_ path: String?) throws -> Logger {
        guard let path else { return Logger(label: "tokentop", factory: { _ in SwiftLogNoOpLogHandler() }) }
        let sink = try FileLogHandler.Sink(path: path)
        return Logger(label: "tokentop", factory: { FileLogHandler(label: $0, sink: sink) })
    }
}
