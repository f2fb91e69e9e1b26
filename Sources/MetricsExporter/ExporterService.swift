import Foundation
import Hummingbird
import Logging
import ProtocolSupport
import ServerLimits
import ServiceLifecycle
import Synchronization
import TokenModel

/// `tokentop serve`'s HTTP side, as a ServiceLifecycle service: it follows the manager's
/// snapshots and events and serves `/metrics`, `/healthz` and `/api/v1/clients`.
///
/// The streams are taken before the group runs, so no event of the first fetches is missed.
public struct ExporterService: Service {
    private let configuration: ExporterConfiguration
    private let metrics: TokenMetrics
    private let updates: AsyncStream<ManagerSnapshot>
    private let events: AsyncStream<ManagerEvent>
    private let perform: @Sendable (ClientAction) async -> [ActionRecord]
    private let onListening: @Sendable (_ host: String, _ port: Int) async -> Void
    private let logger: Logger
    private let fileSinks: FileSinkHealth?
    private let latest = LatestSnapshot()
    private let index = SharedClientsIndex()

    /// - Parameters:
    ///   - updates: the manager's `updates()`.
    ///   - events: the manager's `events()`.
    ///   - perform: the manager's `perform(_:)`, for `--allow-actions`.
    ///   - fileSinks: the log and events files, whose failures `/healthz` names.
    ///   - onListening: told the address once the server listens (port 0 resolves here).
    public init(
        configuration: ExporterConfiguration, metrics: TokenMetrics, updates: AsyncStream<ManagerSnapshot>,
        events: AsyncStream<ManagerEvent>, perform: @escaping @Sendable (ClientAction) async -> [ActionRecord],
        logger: Logger, fileSinks: FileSinkHealth? = nil,
        onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void = { _, _ in }
    ) {
        self.configuration = configuration
        self.metrics = metrics
        self.updates = updates
        self.events = events
        self.perform = perform
        self.logger = logger
        self.fileSinks = fileSinks
        self.onListening = onListening
    }

    public func run() async throws {
        let host = configuration.host
        let limits = configuration.connectionLimits
        let application = Application(
            router: router(), server: limits.http1(),
            configuration: limits.applicationConfiguration(
                address: .hostname(host, port: configuration.port), serverName: "tokentop", logger: logger),
            onServerRunning: { [onListening] channel in
                await onListening(host, channel.localAddress?.port ?? 0)
            },
            logger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { [updates, latest, index] in
                for await snapshot in updates.cancelOnGracefulShutdown() {
                    latest.set(snapshot)
                    index.update(snapshot)
                }
            }
            group.addTask { [events, metrics] in
                for await event in events.cancelOnGracefulShutdown() { await metrics.record(event) }
            }
            try await application.run()
        }
    }

    // MARK: Routes

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestGuard(loopbackOnly: Loopback.isLoopbackHost(configuration.host)))
        if let token = configuration.authToken {
            router.add(middleware: BearerTokenMiddleware(token: token))
        }
        router.get("healthz") { [fileSinks] _, _ in
            // Still 200: the process runs and refreshes tokens; a full log disk is not a reason to restart it.
            let warnings = (fileSinks?.problems() ?? []).map { "warning: \($0)\n" }.joined()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "ok\n" + warnings)))
        }
        router.get("metrics") { [metrics, latest] _, _ in
            let bytes = await metrics.exposition(from: latest.get(), at: Date())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("api/v1/clients") { [index, allowActions = configuration.allowActions] request, _ in
            let selection: ClientsIndex.Selection
            do throws(ListingQuery.Problem) {
                let parameters = request.uri.queryParameters
                selection = try index.select(ListingQuery(values: { parameters.getAll($0) }))
            } catch {
                return Self.problem(.badRequest, "invalid_request", error.description)
            }
            let page = ClientsPage(selection, instance: index.instance, at: Date(), actionsAllowed: allowActions)
            // Compact: at 10,000 clients the indentation alone would be megabytes.
            return Self.json(page, compact: true)
        }
        router.get("api/v1/clients/:name") { [latest] _, context in
            let name = try Self.clientName(context)
            guard let client = latest.get()?.clients.first(where: { $0.name == name }) else {
                return Self.problem(.notFound, "not_found", "no client named \(TerminalText.sanitize(name))")
            }
            return Self.json(ClientReport(client, at: Date(), reader: .serve, served: true))
        }
        router.post("api/v1/clients/:name/:action") { [latest, perform, allowActions = configuration.allowActions] _, context in
            let name = try Self.clientName(context)
            let actionName = try context.parameters.require("action")
            let action: ClientAction
            switch actionName {
            case "refresh": action = .refresh(client: name)
            case "revoke": action = .revoke(client: name)
            default:
                return Self.problem(.notFound, "not_found", "no action \(TerminalText.sanitize(actionName)): refresh or revoke")
            }
            guard allowActions else {
                return Self.problem(
                    .forbidden, "forbidden",
                    "this tokentop serve is read-only: start it with --allow-actions to allow refresh and revoke")
            }
            guard latest.get()?.clients.contains(where: { $0.name == name }) ?? false else {
                return Self.problem(.notFound, "not_found", "no client named \(TerminalText.sanitize(name))")
            }
            let records = await perform(action)
            return Self.json(ActionsAnswer(client: name, actions: records.map(ClientReport.Action.init)))
        }
        return router
    }

    /// The `:name` of a client route, percent-decoded (the router leaves it as sent), so
    /// that a name with spaces or slashes can be addressed.
    private static func clientName(_ context: BasicRequestContext) throws -> String {
        let raw = try context.parameters.require("name")
        return raw.removingPercentEncoding ?? raw
    }

    private static func json(_ value: some Encodable, compact: Bool = false) -> Response {
        do {
            return jsonResponse(try WireJSON.text(value, compact: compact), status: .ok)
        } catch {
            // Only a number JSON cannot spell (NaN, infinity) gets here.
            return problem(.internalServerError, "server_error", "the answer could not be written as JSON: \(error)")
        }
    }

    static func problem(_ status: HTTPResponse.Status, _ code: String, _ description: String) -> Response {
        jsonResponse(
            JSONValue.object(["error": .string(code), "error_description": .string(description)]).prettyText, status: status)
    }

    private static func jsonResponse(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}

/// Every request but `/healthz` must carry `Authorization: Bearer TOKEN`; the comparison
/// takes as long for a near miss as for a far one (`ConstantTime`).
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    private let expected: String

    init(token: String) {
        expected = token
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if request.uri.path == "/healthz" { return try await next(request, context) }
        if let presented = AuthorizationHeader.bearerToken(request.headers[.authorization]),
            ConstantTime.equals(presented: presented, expected: expected)
        {
            return try await next(request, context)
        }
        let body = JSONValue.object([
            "error": .string("invalid_token"),
            "error_description": .string("this tokentop serve requires its bearer token (serve --auth-token-file)"),
        ])
        return Response(
            status: .unauthorized,
            headers: [.wwwAuthenticate: "Bearer realm=\"tokentop\"", .contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body.compactText + "\n")))
    }
}

/// The newest snapshot, for the HTTP handlers.
final class LatestSnapshot: Sendable {
    private let value = Mutex<ManagerSnapshot?>(nil)

    func set(_ snapshot: ManagerSnapshot) { value.withLock { $0 = snapshot } }
    func get() -> ManagerSnapshot? { value.withLock { $0 } }
}

/// The clients index, for the HTTP handlers. One writer (the snapshot loop) updates a copy
/// outside the lock, so a reader never waits for ten thousand comparisons.
final class SharedClientsIndex: Sendable {
    private let value = Mutex(ClientsIndex())
    let instance: String

    init() {
        instance = value.withLock { $0.instance }
    }

    func update(_ snapshot: ManagerSnapshot) {
        var index = value.withLock { $0 }
        index.update(snapshot)
        value.withLock { [index] in $0 = index }
    }

    func select(_ query: ListingQuery) throws(ListingQuery.Problem) -> ClientsIndex.Selection {
        let index = value.withLock { $0 }
        return try index.select(query)
    }
}
