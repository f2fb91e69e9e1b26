import Foundation
import TokenModel

/// `GET /api/v1/clients` read back: what a dashboard attached to a `tokentop serve` draws,
/// taken from the `ClientsPage` that `serve` writes, so the two cannot drift apart.
public struct ClientsListing: Sendable, Equatable {
    /// Every client of the instance, as its token manager last published it; in an answer to
    /// `since` that is not `complete`, only the clients that changed, each log possibly only
    /// its newest records (see `logs`).
    public var clients: [ClientSnapshot]
    /// By client name, the merge patch of a client held (`ClientChange.changed`), in an answer
    /// to `since` that is not `complete`; `applying` applies it to what is held.
    public var partials: [String: [String: ExactJSON]]
    /// By client name, where its logs stand in the instance's numbering (from a `serve` that
    /// numbers them): what a tail in the next answer is joined to. Of a client in `partials`,
    /// see `partialLogs`.
    public var logs: [String: ClientLogs]
    /// By client name, the windows beside a merge patch in `partials`: of the logs it sends.
    public var partialLogs: [String: PatchLogs]
    /// Whether the instance runs with `--allow-actions`; nil when it does not say.
    public var actionsAllowed: Bool?
    /// The instance's generation when it answered: the next `since`. Nil from a `serve` older than `since`.
    public var generation: UInt64?
    /// Which process the generation belongs to.
    public var instance: String?
    /// False for an answer of changes, to be applied to what is held: `removed` first, then `clients`.
    public var complete: Bool
    /// The clients removed since the generation asked for.
    public var removed: [String]
    /// With `limit`, the name to ask the next page `after`; nil on the last page.
    public var nextAfter: String?

    public init(
        clients: [ClientSnapshot], actionsAllowed: Bool?, generation: UInt64? = nil, instance: String? = nil,
        complete: Bool = true, removed: [String] = [], nextAfter: String? = nil, logs: [String: ClientLogs] = [:],
        partials: [String: [String: ExactJSON]] = [:], partialLogs: [String: PatchLogs] = [:]
    ) {
        self.clients = clients
        self.partials = partials
        self.partialLogs = partialLogs
        self.logs = logs
        self.actionsAllowed = actionsAllowed
        self.generation = generation
        self.instance = instance
        self.complete = complete
        self.removed = removed
        self.nextAfter = nextAfter
    }

    /// Reads a `/api/v1/clients` body. Anything malformed (not JSON, a client without its
    /// snapshot, a string where a number belongs, 1e300 as a date) is an error naming where.
    public static func decode(_ body: Data) throws(ClientsListingError) -> ClientsListing {
        do {
            let page = try JSONDecoder().decode(ClientsPage.self, from: body)
            var clients: [ClientSnapshot] = []
            var wholeNames: Set<String> = []
            var partials: [String: [String: ExactJSON]] = [:]
            var logs: [String: ClientLogs] = [:]
            var partialLogs: [String: PatchLogs] = [:]
            for (position, entry) in page.clients.enumerated() {
                // `ClientsPage.Entry` reads every entry with its snapshot or, as a change, its merge patch.
                if case .change(let change) = entry, let changed = change.changed {
                    // A patch of a client held: two entries for it could not both apply.
                    guard partials[change.name] == nil, !wholeNames.contains(change.name) else {
                        throw ClientsListingError(reason: "clients[\(position)]: \(change.name) is listed twice")
                    }
                    partials[change.name] = changed
                    partialLogs[change.name] = change.changedLogs ?? PatchLogs()
                } else if let snapshot = entry.snapshot {
                    guard partials[snapshot.name] == nil else {
                        throw ClientsListingError(reason: "clients[\(position)]: \(snapshot.name) is listed twice")
                    }
                    clients.append(snapshot)
                    wholeNames.insert(snapshot.name)
                    logs[snapshot.name] = entry.logs
                }
            }
            return ClientsListing(
                clients: clients, actionsAllowed: page.actionsAllowed, generation: page.generation,
                instance: page.instance, complete: page.complete ?? true, removed: page.removed ?? [],
                nextAfter: page.nextAfter, logs: logs, partials: partials, partialLogs: partialLogs)
        } catch let error as DecodingError {
            throw ClientsListingError(error)
        } catch let error as ClientsListingError {
            throw error
        } catch {
            throw ClientsListingError(reason: "not JSON (\(error.localizedDescription))")
        }
    }

    /// What is held after an answer to `since` (from `generation` of this same instance): the
    /// removed clients dropped, the changed ones replaced where they stand, their logs' tails
    /// joined to the logs held, the patched ones patched, new ones appended (the instance
    /// answers the whole listing when its order changed otherwise). A complete answer replaces
    /// what was held. Nil when the changes cannot be applied exactly: from another instance (the
    /// instance restarted, or the address now leads elsewhere), a tail that starts past the log
    /// held, a patch of a client not held: list again from nothing. A patch that makes of the
    /// client held no snapshot (a string where a number belongs) is an error naming the client
    /// and the place.
    public func applying(_ answer: ClientsListing) throws(ClientsListingError) -> ClientsListing? {
        guard !answer.complete else { return answer.hasWholeLogs ? answer : nil }
        guard answer.instance != nil, answer.instance == instance else { return nil }
        let removed = Set(answer.removed)
        var clients = self.clients.filter { !removed.contains($0.name) }
        var logs = self.logs.filter { !removed.contains($0.key) }
        var positions = Dictionary(clients.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        for client in answer.clients {
            let position = positions[client.name]
            var whole = client
            if let windows = answer.logs[client.name] {
                // A client not held can only be taken whole.
                let heldLogs = position.flatMap { _ in logs[client.name] }
                guard let joined = client.joined(windows, to: position.map { clients[$0] } ?? client, heldLogs: heldLogs)
                else { return nil }
                whole = joined
            }
            logs[client.name] = answer.logs[client.name]
            if let position {
                clients[position] = whole
            } else {
                positions[client.name] = clients.count
                clients.append(whole)
            }
        }
        for (name, changed) in answer.partials {
            // A patch applies only to a client held, with the windows its log tails are joined by:
            // those sent, and the ones held of the logs it does not send (each then an empty tail).
            guard let position = positions[name],
                let windows = (answer.partialLogs[name] ?? PatchLogs()).windows(over: logs[name])
            else { return nil }
            let merged = try Self.patched(clients[position], by: changed)
            guard let whole = merged.joined(windows, to: clients[position], heldLogs: logs[name]) else { return nil }
            clients[position] = whole
            logs[name] = windows
        }
        return ClientsListing(
            clients: clients, actionsAllowed: answer.actionsAllowed, generation: answer.generation, instance: answer.instance,
            logs: logs)
    }

    /// `held` with its merge patch applied, read by the wire rules; an error names the client
    /// and the place in the patch.
    private static func patched(_ held: ClientSnapshot, by patch: [String: ExactJSON]) throws(ClientsListingError)
        -> ClientSnapshot
    {
        let prefix = "the changes of \(held.name) do not apply to the client held: "
        let merged: ClientSnapshot
        do {
            merged = try ClientFields.merged(patch, into: held)
        } catch let error as DecodingError {
            throw ClientsListingError(
                reason: prefix + ClientsListingError(error.placed(under: [ClientChange.CodingKeys.changed])).reason)
        } catch {
            throw ClientsListingError(reason: prefix + "changed: \(error)")
        }
        if let violation = merged.crossFieldViolation {
            throw ClientsListingError(reason: prefix + "changed.\(violation.path): \(violation.reason)")
        }
        return merged
    }

    /// Whether every client's logs are whole, as a listing to be held from nothing must be: no
    /// partial either, which only what is held can complete.
    public var hasWholeLogs: Bool {
        partials.isEmpty
            && clients.allSatisfy { client in logs[client.name].map(client.hasWholeLogs) ?? true }
    }

    /// Reads the answer of `POST /api/v1/clients/NAME/refresh` (or `…/revoke`): the action's
    /// records, with `client` as given (the attached view's name) and `at` when the answer came.
    public static func actionRecords(
        _ body: Data, client: String, at: Date
    ) throws(ClientsListingError) -> [ActionRecord] {
        guard let document = JSONValue(data: body), let actions = document["actions"]?.arrayValue else {
            throw ClientsListingError(reason: "the answer has no \"actions\" list")
        }
        return try actions.map { (value: JSONValue) throws(ClientsListingError) -> ActionRecord in
            guard let name = value["action"]?.stringValue, let action = ActionRecord.Action(rawValue: name),
                case .bool(let succeeded)? = value["succeeded"], let outcome = value["outcome"]?.stringValue
            else {
                throw ClientsListingError(reason: "an action record is malformed: \(value.compactText.prefix(80))")
            }
            return ActionRecord(action: action, client: client, at: at, succeeded: succeeded, outcome: outcome)
        }
    }
}

/// Why a `/api/v1/clients` answer could not be read, with the place in the document.
public struct ClientsListingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `clients[2].snapshot.token.expires_at: 1e+300 is not a Unix time between 1970 and 9999`.
    public let reason: String

    init(reason: String) {
        self.reason = TerminalText.sanitize(reason)
    }

    init(_ error: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce(into: "") { text, key in
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
        }
        switch error {
        case .typeMismatch(let type, let context):
            self.init(reason: "\(path(context.codingPath)): expected \(type)")
        case .valueNotFound(let type, let context):
            self.init(reason: "\(path(context.codingPath)): expected \(type), found null")
        case .keyNotFound(let key, let context):
            let place = path(context.codingPath)
            let missing =
                key.stringValue == "snapshot" ? "snapshot (is the instance a tokentop serve of this version?)" : key.stringValue
            self.init(reason: (place.isEmpty ? "" : "\(place): ") + "missing \(missing)")
        case .dataCorrupted(let context):
            let place = path(context.codingPath)
            self.init(reason: (place.isEmpty ? "" : "\(place): ") + context.debugDescription)
        @unknown default:
            self.init(reason: String(describing: error))
        }
    }

    public var description: String { "unreadable /api/v1/clients answer: \(reason)" }
}
