import ArgumentParser
import Foundation
import Logging
import MetricsExporter
import ServiceLifecycle
import TokenLifecycle
import TokenModel

/// `tokentop serve`: the token manager headless, for Prometheus to scrape and other
/// dashboards to attach to.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the token manager headless: Prometheus metrics, a health check and a JSON API over HTTP.",
        discussion: """
            Serves GET /metrics (Prometheus text format), GET /healthz and GET /api/v1/clients (the check --json \
            shape, live, with each client's verdict, history and snapshot: `tokentop --attach URL` draws it). Listens on loopback unless told otherwise; any \
            other address needs --auth-token-file or --insecure-listen. No endpoint returns a token or secret. \
            The configuration is found as for check; --demo runs it on the embedded demo servers. \
            Logs go to stderr, or to --log-file; a log or events file that cannot be written (a full disk) is \
            reported on stderr and in /healthz, counted in tokentop_log_write_errors_total, and tried again with \
            each new line. SIGTERM or SIGINT stops it gracefully.
            Exit status: 0 after a graceful stop; 1 when it cannot listen or stops on an error; 2 on a configuration or usage error.
            """)

    @OptionGroup var options: ConfigurationOptions
    @OptionGroup var eventsFile: EventsFileOption

    @Option(help: "HOST:PORT to listen on (port 0 picks a free one).")
    var listen = ExporterConfiguration.defaultListen

    @Option(
        name: .customLong("auth-token-file"),
        help: "A file holding a bearer token every request but /healthz must carry (Prometheus: authorization.credentials_file).")
    var authTokenFile: String?

    @Flag(name: .customLong("insecure-listen"), help: "Allow an address off loopback without --auth-token-file.")
    var insecureListen = false

    @Flag(
        name: .customLong("allow-actions"),
        help: "Allow POST /api/v1/clients/NAME/refresh and /revoke (otherwise they answer 403).")
    var allowActions = false

    @OptionGroup var cache: WriteThroughOptions

    func run() async throws {
        let exporterConfiguration: ExporterConfiguration
        do {
            let token = try authTokenFile.map { path throws(ExporterError) in
                try ExporterConfiguration.readAuthToken(path: path)
            }
            if let warning = authTokenFile.flatMap(ExporterConfiguration.authTokenFileWarning) {
                printError("tokentop: warning: \(warning)")
            }
            exporterConfiguration = try ExporterConfiguration(
                listen: listen, authToken: token, insecureListen: insecureListen, allowActions: allowActions)
        } catch {
            throw CLIError.usage(error.description)
        }
        var logger: Logger?
        var started = false
        do {
            // The exporter is the front end: SIGTERM/SIGINT stop it first, then the reload on SIGHUP,
            // what follows the manager's events, the manager, then the connections (and the demo
            // servers with --demo).
            try await ServiceGroup.runUntilFrontEndEnds(hangUp: .reload) { group in
                let context = try await AppContext.make(options, demo: .onlyWhenAsked, logToStandardError: true, group: group)
                logger = context.logger
                let manager = try context.makeManager()
                var followers: [any Service] = [manager, HeapTrimmer()]
                if let path = eventsFile.path {
                    followers.append(try await EventsFile(path: path, manager: manager, health: context.fileSinks))
                }
                if let writer = try CacheWriteThrough.make(context: context, manager: manager, options: cache, program: "serve") {
                    followers.append(writer)
                }
                let metrics = TokenMetrics(
                    clients: context.configuration.clients, version: Tokentop.version, fileSinks: context.fileSinks)
                await group.add(followers + [ReloadOnHangUp { await Self.reload(context, manager, metrics) }])
                started = true
                return ExporterService(
                    configuration: exporterConfiguration,
                    metrics: metrics,
                    updates: await manager.updates(), events: await manager.events(),
                    perform: { await manager.perform($0) },
                    logger: context.logger, fileSinks: context.fileSinks,
                    onListening: { [allowActions] host, port in
                        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
                        printError(
                            "tokentop serve: listening on http://\(address) (GET /metrics, /healthz, /api/v1/clients; "
                                + (allowActions ? "actions allowed" : "read-only") + ")")
                        context.logger.info("listening", metadata: ["address": "\(address)", "actions": "\(allowActions)"])
                    })
            }
        } catch {
            // A start that fails (a configuration or a file) says so itself; the exporter's failure is named here.
            guard started else { throw error }
            throw CLIError.runtime("serve on \(listen) stopped: \(error)")
        }
        logger?.info("stopped")
    }

    /// SIGHUP: reads the configuration again and tells the metrics which clients there are now.
    private static func reload(_ context: AppContext, _ manager: TokenManager, _ metrics: TokenMetrics) async {
        let (outcome, configuration) = await context.reload(manager)
        if let configuration { await metrics.configure(clients: configuration.clients) }
        if outcome.succeeded {
            context.logger.info("configuration reloaded", metadata: ["changes": "\(outcome.outcome)"])
        } else {
            context.logger.error("reload failed", metadata: ["error": "\(outcome.outcome)"])
        }
    }
}
