import Foundation
import TokenModel

/// The body of `GET /api/v1/clients` (README.md, "The listing for watchers"): `serve` writes
/// it and `--attach` reads it (`ClientsListing`). A whole listing has each client as `check
/// --json` shows it with what `serve` adds (`ClientReport`); an answer to `since` has each
/// changed client as its name, snapshot and logs (`ClientChange`). The page's fields are
/// optional for reading: a `serve` older than `since` sends only `clients` and `actions_allowed`.
public struct ClientsPage: Codable, Sendable, Equatable {
    /// When `serve` answered.
    public var generatedAt: String?
    /// Whether `POST …/refresh` and `…/revoke` are allowed (`--allow-actions`), so an attached
    /// dashboard knows before it asks.
    public var actionsAllowed: Bool?
    /// The instance's generation when it answered: the next `since`.
    public var generation: UInt64?
    /// Which process the generation belongs to.
    public var instance: String?
    /// False for an answer of changes, to be applied to what is held: `removed` first, then `clients`.
    public var complete: Bool?
    /// The clients removed since the generation asked for; only in an answer of changes.
    public var removed: [String]?
    /// With `limit`, the name to ask the next page `after`; absent on the last page.
    public var nextAfter: String?
    /// In the listing's order (the configuration's).
    public var clients: [Entry]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case generation, instance, complete, removed, clients
        case generatedAt = "generated_at"
        case actionsAllowed = "actions_allowed"
        case nextAfter = "next_after"
    }

    /// A page as given: what a reader that writes one back (the fuzz target) needs.
    public init(
        generatedAt: String? = nil, actionsAllowed: Bool?, generation: UInt64? = nil, instance: String? = nil,
        complete: Bool? = nil, removed: [String]? = nil, nextAfter: String? = nil, clients: [Entry]
    ) {
        self.generatedAt = generatedAt
        self.actionsAllowed = actionsAllowed
        self.generation = generation
        self.instance = instance
        self.complete = complete
        self.removed = removed
        self.nextAfter = nextAfter
        self.clients = clients
    }

    /// The answer to one query of the index at `now`.
    init(_ selection: ClientsIndex.Selection, instance: String, at now: Date, actionsAllowed: Bool) {
        self.init(
            generatedAt: TimeText.iso8601(now), actionsAllowed: actionsAllowed, generation: selection.generation,
            instance: instance, complete: selection.complete,
            removed: selection.changesOnly && !selection.complete ? selection.removed : nil, nextAfter: selection.nextAfter,
            clients: selection.clients.map { listed in
                // Changes are for watchers, which draw the snapshot: the rest would be most of the bytes.
                selection.changesOnly
                    ? .change(ClientChange(listed))
                    : .report(ClientReport(listed.snapshot, at: now, reader: .serve, served: true))
            })
    }

    /// A listed client: whole, or as a change.
    public enum Entry: Codable, Sendable, Equatable {
        /// In a whole listing: the `check --json` object with `serve`'s parts, its snapshot included.
        case report(ClientReport)
        /// In an answer to `since`.
        case change(ClientChange)

        /// What an attached dashboard draws; every entry read carries it.
        public var snapshot: ClientSnapshot? {
            switch self {
            case .report(let report): report.snapshot
            case .change(let change): change.snapshot
            }
        }

        /// Where the snapshot's logs stand; nil when they are whole.
        public var logs: ClientLogs? {
            switch self {
            case .report: nil
            case .change(let change): change.logs
            }
        }

        public init(from decoder: any Decoder) throws {
            // Every whole entry has a verdict; a change never does.
            if try decoder.container(keyedBy: ClientReport.CodingKeys.self).contains(.verdict) {
                let report = try ClientReport(from: decoder)
                guard report.snapshot != nil else {
                    throw DecodingError.keyNotFound(
                        ClientReport.CodingKeys.snapshot,
                        DecodingError.Context(
                            codingPath: decoder.codingPath, debugDescription: "a listed client has its snapshot"))
                }
                self = .report(report)
            } else {
                self = .change(try ClientChange(from: decoder))
            }
            // The rules no one field's wire rule can check, for a snapshot from outside.
            if let violation = snapshot?.crossFieldViolation {
                throw DecodingError.dataCorrupted(
                    DecodingError.Context(
                        codingPath: decoder.codingPath + [ClientReport.CodingKeys.snapshot],
                        debugDescription: "\(violation.path): \(violation.reason)"))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .report(let report): try report.encode(to: encoder)
            case .change(let change): try change.encode(to: encoder)
            }
        }
    }
}

/// A client in an answer to `since`: its snapshot, or of a client the watcher holds a merge
/// patch of it (`changed`), each log possibly only its newest records; and the windows of its
/// logs, which say how many records each holds. Exactly one of `snapshot` and `changed`.
public struct ClientChange: Codable, Sendable, Equatable {
    public var name: String
    /// What an attached dashboard draws; each log possibly only its newest records.
    public var snapshot: ClientSnapshot?
    /// A JSON Merge Patch (RFC 7386) of the snapshot's JSON as of the generation asked: only the
    /// members that changed, an object as the patch of its own members, `null` for one now
    /// absent, anything else whole. A log is a top-level member but no array to replace: not
    /// here, it gained no record; here, it is its newest records. On the wire a fetch record
    /// leaves out its members that hold their default (`ClientFields.fetchRecordDefaults`);
    /// here they are always in.
    public var changed: [String: ExactJSON]?
    /// Beside `snapshot`, the windows of its logs; absent from a `serve` older than log tails:
    /// the logs are whole.
    public var logs: ClientLogs?
    /// Beside `changed`, the windows of the logs it sends (on the wire under `logs`, absent when
    /// it sends none).
    public var changedLogs: PatchLogs?

    enum CodingKeys: String, CodingKey { case name, snapshot, changed, logs }

    /// A change as given, for a reader that writes one back.
    public init(name: String, snapshot: ClientSnapshot, logs: ClientLogs? = nil) {
        self.name = name
        self.snapshot = snapshot
        self.logs = logs
    }

    /// A change as a merge patch, for a reader that writes one back.
    public init(name: String, changed: [String: ExactJSON], logs: PatchLogs) {
        self.name = name
        self.changed = changed
        self.changedLogs = logs
    }

    /// A listed client as served: JWT-shaped text masked (`ClientReport.exported`), a patch of
    /// the places asked when the snapshot encodes and a merge patch can say them, with the
    /// windows of the logs it sends (else all of it, which a watcher reads as well).
    init(_ listed: ClientsIndex.Listed) {
        let exported = ClientReport.exported(listed.snapshot)
        if let places = listed.places, let fields = ClientFields.encoded(exported),
            let patch = MergePatch.patch(of: fields, at: places)
        {
            self.init(name: exported.name, changed: patch, logs: PatchLogs(listed.logs, sending: patch.keys))
        } else {
            self.init(name: exported.name, snapshot: exported, logs: listed.logs)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        snapshot = try container.decodeIfPresent(ClientSnapshot.self, forKey: .snapshot)
        changed = try container.decodeIfPresent([String: ExactJSON].self, forKey: .changed).map(ClientFields.restoringDefaults)
        if changed == nil {
            logs = try container.decodeIfPresent(ClientLogs.self, forKey: .logs)
        } else {
            changedLogs = try container.decodeIfPresent(PatchLogs.self, forKey: .logs) ?? PatchLogs()
        }
        // Neither: said as a missing snapshot, whose reason asks whether the instance is a serve of this version.
        if snapshot == nil, changed == nil {
            throw DecodingError.keyNotFound(
                CodingKeys.snapshot,
                DecodingError.Context(codingPath: container.codingPath, debugDescription: "a changed client has its snapshot"))
        }
        if snapshot != nil, changed != nil {
            throw DecodingError.dataCorruptedError(
                forKey: .changed, in: container,
                debugDescription: "sent beside a whole snapshot: a changed client has one or the other")
        }
        // Each log sent, how many records and in what window.
        var sent: [(log: ClientLogs.CodingKeys, count: Int, window: LogWindow?)] = []
        if let snapshot {
            sent = [
                (.history, snapshot.history.count, logs?.history), (.responses, snapshot.responses.count, logs?.responses),
                (.actions, snapshot.actions.count, logs?.actions),
            ]
        }
        if let changed, let changedLogs {
            // Each value sent whole by its wire rule now, over a blank client; an object patches
            // the one held, so it and the rules across fields are checked once applied.
            do {
                _ = try ClientFields.merged(
                    changed.filter { $0.value.objectValue == nil }, into: ClientSnapshot(name: name, state: .noToken))
            } catch let error as DecodingError {
                throw error.placed(under: container.codingPath + [CodingKeys.changed])
            }
            // A log sent comes with its window; one not sent sends no record and keeps the window held.
            for log in ClientLogs.CodingKeys.allCases where changed[log.stringValue] != nil {
                guard let window = changedLogs[log] else {
                    throw DecodingError.keyNotFound(
                        log,
                        DecodingError.Context(
                            codingPath: container.codingPath + [CodingKeys.logs],
                            debugDescription: "a log among the changed fields comes with its window"))
                }
                sent.append((log, changed[log.stringValue]?.arrayValue?.count ?? 0, window))
            }
        }
        // A log never sends more records than its window holds.
        for (log, count, window) in sent {
            guard let window, UInt64(count) > window.count else { continue }
            let held = "\(window.start)..<\(window.end)"
            let reason = "\(log.stringValue): \(count) sent, more than the \(window.count) its window holds (\(held))"
            throw DecodingError.dataCorruptedError(forKey: .logs, in: container, debugDescription: reason)
        }
    }

    /// As read, but a fetch record among `changed` leaves out its members that hold their
    /// default, and `logs` is left out when `changed` sends no log.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(snapshot, forKey: .snapshot)
        try container.encodeIfPresent(changed.map(ClientFields.leavingOutDefaults), forKey: .changed)
        try container.encodeIfPresent(logs, forKey: .logs)
        if let changedLogs, !changedLogs.isEmpty { try container.encode(changedLogs, forKey: .logs) }
    }
}

/// What `tokentop check --json` prints (README.md, "`check --json`").
public struct CheckDocument: Codable, Sendable, Equatable {
    /// When the round ended.
    public var checkedAt: String
    /// Each client with the round's events.
    public var clients: [ClientReport]

    enum CodingKeys: String, CodingKey {
        case clients
        case checkedAt = "checked_at"
    }

    /// A round's snapshot at `now`, in `check`'s words; `deep` for `--deep`.
    public init(_ snapshot: ManagerSnapshot, at now: Date, deep: Bool = false, events: [ManagerEvent] = []) {
        checkedAt = TimeText.iso8601(now)
        clients = snapshot.clients.map { client in
            var report = ClientReport(client, at: now, reader: .command, deep: deep)
            report.events = events.filter { $0.client == client.name }.map(\.json)
            return report
        }
    }
}

/// The answer of `POST /api/v1/clients/NAME/refresh` (or `…/revoke`).
struct ActionsAnswer: Encodable {
    var client: String
    var actions: [ClientReport.Action]
}
