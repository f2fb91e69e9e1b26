import Foundation
import MetricsExporter
import OAuthClient
import ProtocolSupport
import ServiceLifecycle
import TokenModel

/// One `tokentop serve` the dashboard is attached to.
struct FleetInstance: Sendable, Equatable {
    /// `http://host:port` (and any path prefix before `/api/v1/clients`).
    let baseURL: URL
    /// `host:port`: the prefix of its clients' names on screen.
    let label: String

    /// Reads an `--attach` argument: `http(s)://HOST:PORT[/PREFIX]` or `HOST:PORT` (http is
    /// assumed); a trailing `/api/v1/clients` is dropped.
    init(attach text: String) throws(CLIError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let withScheme = trimmed.contains("://") ? trimmed : "http://" + trimmed
        guard var components = URLComponents(string: withScheme),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty, components.query == nil, components.user == nil
        else {
            throw .usage(
                "--attach \(TerminalText.sanitize(text)): expected the URL of a tokentop serve, e.g. http://127.0.0.1:9464")
        }
        var path = components.path
        for suffix in ["/", "/api/v1/clients"] where path.hasSuffix(suffix) { path.removeLast(suffix.count) }
        if path.hasSuffix("/") { path.removeLast() }
        components.path = path
        components.fragment = nil
        guard let url = components.url else {
            throw .usage("--attach \(TerminalText.sanitize(text)): not a usable URL")
        }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        baseURL = url
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        label = TerminalText.sanitize(bracketed + ":\(port)" + path)
    }
}

extension FleetInstance {
    /// True when a bearer token sent here would cross the network readable: plain http to a
    /// host that is not this machine.
    var sendsTokensInClear: Bool {
        baseURL.scheme == "http" && !Loopback.isLoopbackHost(baseURL.host ?? "")
    }
}

/// The dashboard's source when attached to `tokentop serve` instances (`--attach`): it polls
/// each instance's `/api/v1/clients` for what changed since its last answer (`?since=`), merges
/// their clients into one snapshot, and sends refresh and revoke back to the instance a client
/// lives on.
///
/// A client is shown as `host:port/name`. An instance that cannot be read shows as one row
/// named `host:port` whose error says why; an instance without `--allow-actions` answers
/// actions with a read-only record. Tokens never cross: copying one is not possible remotely.
actor RemoteFleet: Service {
    /// How often every instance is asked, once the previous answer is in.
    static let pollInterval: Duration = .seconds(1)
    /// The deadline of one request: an instance that hangs shows as unreachable after it.
    static let requestTimeout: Duration = .seconds(5)
    /// The largest `/api/v1/clients` answer read: a page of `pageSize` clients is a few megabytes
    /// (2.4 KB a snapshot, more with a long history), a poll's changes less.
    static let maximumBodySize = 64 << 20
    /// Clients a page when an instance is first read: each request ends well within
    /// `requestTimeout`, however many clients the instance has.
    static let standardPageSize = 1_000
    /// At most this many pages are read from one instance.
    static let maximumPages = 100
    /// What an action on a read-only instance says.
    static let readOnlyOutcome = "read-only: start serve with --allow-actions"

    nonisolated let instances: [FleetInstance]
    private let pageSize: Int
    private let authToken: String?
    private let transport: HTTPTransport
    private let updates: AsyncStream<ManagerSnapshot>
    private let sink: AsyncStream<ManagerSnapshot>.Continuation

    private enum Reading: Sendable, Equatable {
        case waiting
        case listed(ClientsListing)
        case failed(OAuthError)
    }

    private var readings: [Reading]
    /// Per instance, its clients as last read, kept across a failed poll: the next poll asks
    /// for the changes since then.
    private var held: [ClientsListing?]
    /// Per instance, whether it accepts actions, as it last said (nil: not known yet).
    private var actionsAllowed: [Bool?]
    private var latest: ManagerSnapshot
    /// Which instance and remote name each row of `latest` stands for.
    private var origins: [String: (instance: Int, name: String?)] = [:]

    /// - Parameters:
    ///   - instances: the `serve` instances, in the order their clients are shown.
    ///   - authToken: the bearer token of `--auth-token-file`, sent to every instance.
    ///   - pageSize: clients a page when an instance is first read.
    init(instances: [FleetInstance], authToken: String?, transport: HTTPTransport, pageSize: Int = standardPageSize) {
        self.instances = instances
        self.pageSize = max(1, min(pageSize, 10_000))
        self.authToken = authToken
        self.transport = transport
        (updates, sink) = AsyncStream.makeStream(of: ManagerSnapshot.self, bufferingPolicy: .bufferingNewest(1))
        readings = Array(repeating: .waiting, count: instances.count)
        held = Array(repeating: nil, count: instances.count)
        actionsAllowed = Array(repeating: nil, count: instances.count)
        latest = ManagerSnapshot(generation: 0, takenAt: Date(), clients: [])
    }

    /// The merged snapshots, newest first to be drawn; finishes when `run` ends.
    nonisolated func snapshots() -> AsyncStream<ManagerSnapshot> { updates }

    /// The merged snapshot as of the last poll.
    func snapshot() -> ManagerSnapshot { latest }

    /// Polls until the group shuts down; a request under way is cancelled then.
    func run() async throws {
        defer { sink.finish() }
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.poll()
                try? await Task.sleep(for: Self.pollInterval)
            }
        }
    }

    /// Asks every instance at once and publishes the merged snapshot when anything changed.
    @discardableResult
    func poll() async -> ManagerSnapshot {
        let fresh = await withTaskGroup(of: (Int, Reading, Bool?).self) { group in
            for (index, instance) in instances.enumerated() {
                group.addTask { [transport, authToken, pageSize, held = held[index]] in
                    do throws(OAuthError) {
                        let listing = try await Self.follow(
                            instance, from: held, pageSize: pageSize, transport: transport, authToken: authToken)
                        return (index, .listed(listing), listing.actionsAllowed)
                    } catch {
                        return (index, .failed(error), nil)
                    }
                }
            }
            var fresh = readings
            for await (index, reading, allowed) in group {
                fresh[index] = reading
                if case .listed(let listing) = reading { held[index] = listing }
                if let allowed { actionsAllowed[index] = allowed }
            }
            return fresh
        }
        readings = fresh
        let (clients, origins) = merged()
        if clients != latest.clients {
            latest = ManagerSnapshot(generation: latest.generation + 1, takenAt: Date(), clients: clients)
            self.origins = origins
            sink.yield(latest)
        }
        return latest
    }

    /// Per instance, the generation its next poll asks for changes since (nil: it will list everything).
    func followedGenerations() -> [UInt64?] { held.map { $0?.generation } }

    /// One line for the dashboard's header: each instance and whether it takes actions.
    func summary() -> String {
        "attached: "
            + instances.indices.map { index in
                let mode: String
                switch actionsAllowed[index] {
                case true?: mode = "actions allowed"
                case false?: mode = "read-only"
                case nil: mode = "not reached"
                }
                return "\(instances[index].label) (\(mode))"
            }.joined(separator: ", ")
    }

    // MARK: Actions

    /// Sends refresh and revoke to the instance of the client; everything else is not offered
    /// by `serve` and says so.
    func perform(_ action: ClientAction) async -> [ActionRecord] {
        switch action {
        case .refresh(let client):
            return [await send(.refresh, to: client)]
        case .revoke(let client):
            return [await send(.revoke, to: client)]
        case .refreshAll:
            let targets = latest.clients.map(\.name).filter { origins[$0]?.name != nil }
            return await withTaskGroup(of: ActionRecord.self) { group in
                for client in targets { group.addTask { await self.send(.refresh, to: client) } }
                var records: [ActionRecord] = []
                for await record in group { records.append(record) }
                return records
            }
        case .introspect(let client):
            return [Self.notOffered(.introspect, client: client)]
        case .togglePolling(let client):
            let paused = latest.clients.first { $0.name == client }?.pollingPaused ?? false
            return [Self.notOffered(paused ? .resume : .pause, client: client)]
        case .diagnose(let client):
            return [Self.notOffered(.diagnose, client: client)]
        case .reloadConfiguration:
            return [
                ActionRecord(
                    action: .reload, client: "attached instances", at: Date(), succeeded: false,
                    outcome: "each instance reloads its own configuration: send it SIGHUP (kill -HUP, systemctl reload)")
            ]
        }
    }

    private func send(_ action: ActionRecord.Action, to client: String) async -> ActionRecord {
        func failed(_ outcome: String) -> ActionRecord {
            ActionRecord(action: action, client: client, at: Date(), succeeded: false, outcome: outcome)
        }
        guard let origin = origins[client] else { return failed("no client named \(client) on the attached instances") }
        let instance = instances[origin.instance]
        guard let name = origin.name else { return failed("instance \(instance.label) is not reachable") }
        guard
            let url = URL(
                string: instance.baseURL.absoluteString + "/api/v1/clients/\(PathSegment.escaped(name))/\(action.rawValue)")
        else {
            return failed("cannot address \(client) on \(instance.label)")
        }
        let response: ReceivedResponse
        do {
            // serve takes actions only as JSON: a web page cannot send that cross-origin unasked.
            var post = request(.post, url)
            post.headers.append(("Content-Type", "application/json"))
            post.body = Data("{}".utf8)
            response = try await transport.send(post)
        } catch {
            return failed("instance \(instance.label) unreachable: \(error.reason)")
        }
        switch response.status {
        case 200:
            do {
                let records = try ClientsListing.actionRecords(response.body, client: client, at: Date())
                return records.last ?? failed("instance \(instance.label) reported no outcome")
            } catch {
                return failed("instance \(instance.label): \(error.description)")
            }
        case 403:
            // The instance decides, whatever its listing said: it may have been restarted.
            actionsAllowed[origin.instance] = false
            return failed(Self.readOnlyOutcome)
        default:
            return failed("instance \(instance.label) answered " + Self.problem(response))
        }
    }

    private static func notOffered(_ action: ActionRecord.Action, client: String) -> ActionRecord {
        ActionRecord(
            action: action, client: client, at: Date(), succeeded: false,
            outcome: "not available when attached: tokentop serve offers refresh and revoke only")
    }

    // MARK: Reading instances

    /// The instance's clients now: the changes since what is held, applied to it (each changed
    /// client's logs are sent as the records newer than those held, and joined to them); with
    /// nothing held, or changes that cannot be applied exactly (from another process: the
    /// instance restarted), every client, asked for as the changes since generation 0. A `serve`
    /// that predates `since` answers everything. A patch that makes no snapshot of the client
    /// held is an unreadable answer, as a malformed body is.
    private static func follow(
        _ instance: FleetInstance, from held: ClientsListing?, pageSize: Int, transport: HTTPTransport, authToken: String?
    ) async throws(OAuthError) -> ClientsListing {
        if let held, let generation = held.generation {
            let answer = try await list(instance, since: generation, transport: transport, authToken: authToken)
            do {
                if let applied = try held.applying(answer) { return applied }
            } catch {
                throw .invalidResponse(
                    error.description, endpoint: URLText.describe(instance.baseURL.appending(path: "api/v1/clients")),
                    httpStatus: 200)
            }
        }
        // From nothing, the changes since 0 are everything there is, read in pages. The next poll
        // asks for the changes since the first page's generation: what changed while paging comes again.
        var answer = try await list(instance, since: 0, limit: pageSize, transport: transport, authToken: authToken)
        var after = answer.nextAfter
        for _ in 1..<maximumPages {
            guard let next = after else { break }
            let page = try await list(
                instance, since: 0, limit: pageSize, after: next, transport: transport, authToken: authToken)
            answer.clients += page.clients
            answer.logs.merge(page.logs) { _, newer in newer }
            after = page.nextAfter
        }
        if after != nil {
            throw .invalidResponse(
                "more than \(pageSize * maximumPages) clients: attach to smaller instances",
                endpoint: URLText.describe(instance.baseURL.appending(path: "api/v1/clients")), httpStatus: 200)
        }
        answer.complete = true
        answer.removed = []
        answer.nextAfter = nil
        return answer
    }

    private static func list(
        _ instance: FleetInstance, since generation: UInt64, limit: Int? = nil, after: String? = nil,
        transport: HTTPTransport, authToken: String?
    ) async throws(OAuthError) -> ClientsListing {
        var query = "since=\(generation)"
        if let limit { query += "&limit=\(limit)" }
        if let after { query += "&after=" + PathSegment.escaped(after) }
        let base = instance.baseURL.appending(path: "api/v1/clients")
        guard let url = URL(string: base.absoluteString + "?" + query) else {
            throw .invalidResponse("cannot address the page after a client", endpoint: URLText.describe(base), httpStatus: nil)
        }
        let response = try await transport.send(request(.get, url, authToken: authToken))
        guard response.status == 200 else {
            throw .httpStatus(response.status, summary: problem(response), endpoint: URLText.describe(url))
        }
        let listing: ClientsListing
        do {
            listing = try ClientsListing.decode(response.body)
        } catch {
            throw .invalidResponse(error.description, endpoint: URLText.describe(url), httpStatus: 200)
        }
        // Everything since 0 is whole: a tail there would have nothing to be joined to.
        guard generation != 0 || listing.hasWholeLogs else {
            throw .invalidResponse(
                "a client's logs were cut short in an answer to since=0", endpoint: URLText.describe(url), httpStatus: 200)
        }
        return listing
    }

    private func request(_ method: OutgoingRequest.Method, _ url: URL) -> OutgoingRequest {
        Self.request(method, url, authToken: authToken)
    }

    private static func request(_ method: OutgoingRequest.Method, _ url: URL, authToken: String?) -> OutgoingRequest {
        // serve speaks plain HTTP; the operator named each instance, as Prometheus' scrape does.
        OutgoingRequest(
            method: method, url: url,
            headers: [("Accept", "application/json")] + (authToken.map { [("Authorization", "Bearer \($0)")] } ?? []),
            timeout: requestTimeout, allowInsecureHTTP: true, maximumBodySize: maximumBodySize)
    }

    /// `HTTP 401: …` with serve's `error_description`, and what to do for the statuses that need it.
    private static func problem(_ response: ReceivedResponse) -> String {
        var text = "HTTP \(response.status)"
        if let description = JSONValue(data: response.body)?["error_description"]?.stringValue {
            text += ": " + TerminalText.sanitize(String(description.prefix(200)))
        }
        if response.status == 401 { text += " (pass --auth-token-file with the instance's bearer token)" }
        return text
    }

    /// Every instance's clients in order, renamed `host:port/name`; an instance that could not
    /// be read is one error row named `host:port`.
    private func merged() -> ([ClientSnapshot], [String: (instance: Int, name: String?)]) {
        var clients: [ClientSnapshot] = []
        var origins: [String: (instance: Int, name: String?)] = [:]
        for (index, reading) in readings.enumerated() {
            let label = instances[index].label
            switch reading {
            case .waiting:
                clients.append(ClientSnapshot(name: label, state: .fetching, isFetching: true, instance: label))
                origins[label] = (index, nil)
            case .failed(let error):
                let reason = error.isUnreachable ? "unreachable: \(error.reason)" : "could not be read: \(error.reason)"
                clients.append(
                    ClientSnapshot(
                        name: label, state: .error,
                        lastError: .network(error.kind, "instance \(label) \(reason)", endpoint: error.endpoint),
                        instanceFailure: "instance \(label) \(reason)", instance: label))
                origins[label] = (index, nil)
            case .listed(let listing):
                for client in listing.clients {
                    var renamed = client
                    renamed.name = "\(label)/\(client.name)"
                    renamed.instance = label
                    renamed.instanceIsReadOnly = actionsAllowed[index] == false
                    renamed.actions = client.actions.map { record in
                        var record = record
                        record.client = renamed.name
                        return record
                    }
                    clients.append(renamed)
                    origins[renamed.name] = (index, client.name)
                }
            }
        }
        return (clients, origins)
    }
}
