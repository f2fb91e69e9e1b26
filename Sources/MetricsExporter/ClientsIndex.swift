import Foundation
import Synchronization
import TokenModel

/// What `GET /api/v1/clients` answers from: the newest snapshot, the generation at which each
/// client's snapshot last changed, and the clients removed, so that `?since=GENERATION` answers
/// only what changed (a watcher of 10,000 clients reads a hundred, not all of them, a second),
/// and of each changed client's logs only the records newer than the watcher's (`LogBook`).
///
/// Generations are the index's own: 1 for the first snapshot, one more for each snapshot that
/// changed a client. They mean something only to the process that gave them, so every answer
/// names that process (`instance`); a watcher that sees another instance lists again.
public struct ClientsIndex: Sendable {
    /// A client, the generation its snapshot last changed in, the numbering of its logs, and
    /// the places of its snapshot that changed.
    struct Entry: Sendable {
        var snapshot: ClientSnapshot
        var changedAt: UInt64
        var logs: LogBook
        /// Where its snapshot changed, and when: what a merge patch for a watcher is made from.
        var fields: FieldChanges

        init(snapshot: ClientSnapshot, at generation: UInt64) {
            self.snapshot = snapshot
            changedAt = generation
            logs = LogBook(snapshot, at: generation)
            fields = FieldChanges(since: generation)
        }

        /// Takes the client's new snapshot at `generation`, noting where it changed.
        mutating func take(_ client: ClientSnapshot, at generation: UInt64, places: inout FieldPlaces) {
            logs.record(from: snapshot, to: client, at: generation)
            fields.note(from: snapshot, to: client, at: generation, places: &places)
            snapshot = client
            changedAt = generation
        }
    }

    /// How many removed names are remembered for `since`; past that a watcher that asks for
    /// changes since before the oldest one forgotten gets the whole listing.
    static let removalMemory = 10_000

    /// Random per process: generations from another `serve` (or this one restarted) are not ours.
    public let instance: String
    public private(set) var generation: UInt64 = 0
    /// In the manager's order.
    private(set) var entries: [Entry] = []
    private var positions: [String: Int] = [:]
    /// Removed names and the generation they went in, oldest first.
    private var removals: [(name: String, at: UInt64)] = []
    /// Changes since a generation before this one cannot be told as changes: removals were
    /// forgotten, or clients were reordered (a reload that changed the order); the whole
    /// listing is answered instead.
    private var horizon: UInt64 = 0
    /// The places of snapshots that changed, numbered for every client's `FieldChanges`.
    private var places = FieldPlaces()

    public init(instance: String = UUID().uuidString.lowercased()) {
        self.instance = instance
    }

    /// Takes the manager's newest snapshot. A client whose snapshot equals its last one keeps
    /// its generation; the comparison costs little for the unchanged (their arrays are shared).
    public mutating func update(_ snapshot: ManagerSnapshot) {
        let next = generation &+ 1
        var changed = false
        var fresh: [Entry] = []
        fresh.reserveCapacity(snapshot.clients.count)
        var freshPositions: [String: Int] = [:]
        freshPositions.reserveCapacity(snapshot.clients.count)
        for client in snapshot.clients {
            guard freshPositions[client.name] == nil else { continue }
            if let position = positions[client.name] {
                var entry = entries[position]
                if entry.snapshot != client {
                    entry.take(client, at: next, places: &places)
                    changed = true
                }
                fresh.append(entry)
            } else {
                fresh.append(Entry(snapshot: client, at: next))
                changed = true
            }
            freshPositions[client.name] = fresh.count - 1
        }
        let removed = entries.filter { freshPositions[$0.snapshot.name] == nil }.map(\.snapshot.name)
        let ordered = keepsOrder(fresh, removed: removed)
        guard changed || !removed.isEmpty || !ordered else { return }
        if !ordered { horizon = next }
        for name in removed { removals.append((name, next)) }
        if removals.count > Self.removalMemory {
            let forgotten = removals.count - Self.removalMemory
            horizon = max(horizon, removals[forgotten - 1].at)
            removals.removeFirst(forgotten)
        }
        generation = next
        entries = fresh
        positions = freshPositions
    }

    /// True when the clients kept are in their old order, with any new ones after them: a
    /// watcher that drops the removed and appends the new then holds the same order.
    private func keepsOrder(_ fresh: [Entry], removed: [String]) -> Bool {
        let gone = Set(removed)
        var old = entries.lazy.map(\.snapshot.name).filter { !gone.contains($0) }.makeIterator()
        var expected = old.next()
        for entry in fresh {
            if let name = expected {
                // Only new clients may come after the old ones, never between them.
                guard entry.snapshot.name == name else { return false }
                expected = old.next()
            } else if positions[entry.snapshot.name] != nil {
                return false
            }
        }
        return expected == nil
    }

    /// The clients and removed names a query asks for.
    func select(_ query: ListingQuery) throws(ListingQuery.Problem) -> Selection {
        let complete = query.since.map { $0 < horizon || $0 > generation } ?? true
        var start = 0
        if let after = query.after {
            guard let position = positions[after] else { throw .unknownAfter(after) }
            start = position + 1
        }
        var clients: [Listed] = []
        var next: String?
        let limit = query.limit ?? Int.max
        for entry in entries[start...] where complete || entry.changedAt > (query.since ?? 0) {
            guard clients.count < limit else {
                next = clients.last?.snapshot.name
                break
            }
            let logs = entry.logs.windows(of: entry.snapshot)
            // A complete answer replaces what the watcher holds, so its logs go whole; so do those
            // of a client the watcher does not hold, or holds from further back than remembered.
            if !complete, let since = query.since, let held = entry.logs.ends(at: since) {
                // Of a client the watcher holds, only the places that changed since.
                clients.append(
                    Listed(
                        snapshot: entry.snapshot.tails(of: logs, from: held), logs: logs,
                        places: entry.fields.places(since: since, in: places)))
            } else {
                clients.append(Listed(snapshot: entry.snapshot, logs: logs))
            }
        }
        var removed: [String] = []
        if let since = query.since, !complete, query.after == nil {
            removed = removals.filter { $0.at > since }.map(\.name)
        }
        return Selection(
            generation: generation, complete: complete, changesOnly: query.since != nil, clients: clients,
            removed: removed, nextAfter: next)
    }

    /// A client as an answer gives it: its snapshot, whose logs may carry only the records
    /// the watcher lacks (the newest of each `logs` window), and where its logs stand.
    struct Listed: Sendable {
        var snapshot: ClientSnapshot
        var logs: ClientLogs
        /// The places of `snapshot` that changed since the watcher's generation, to send as a
        /// merge patch of what it holds; nil: all of it.
        var places: [MergePatch.Place]?
    }

    /// The answer to one query.
    struct Selection: Sendable {
        var generation: UInt64
        /// True when `clients` (with the pages after it) is every client: a watcher replaces
        /// what it holds. False for changes, which it applies: `removed` first, then `clients`.
        var complete: Bool
        /// True when `since` was asked: entries carry the snapshot only, with the windows of its logs.
        var changesOnly: Bool
        /// Their logs whole unless `since` was asked and the answer is not `complete`.
        var clients: [Listed]
        var removed: [String]
        /// The name to pass as `after` for the next page, when there is one.
        var nextAfter: String?
    }
}

/// The query of `GET /api/v1/clients`, checked: `?limit=N&after=NAME` for pages,
/// `?since=GENERATION` for changes; numbers from outside never reach a conversion that traps.
struct ListingQuery: Sendable, Equatable {
    /// The largest page.
    static let maximumLimit = 10_000

    var since: UInt64?
    var limit: Int?
    var after: String?

    /// Why a query cannot be answered, in words for `error_description`.
    enum Problem: Error, Equatable, CustomStringConvertible {
        case notAGeneration(String)
        case notALimit(String)
        case emptyAfter
        case repeated(String)
        case unknownAfter(String)

        var description: String {
            switch self {
            case .notAGeneration(let text):
                return "since=\(Self.shown(text)): expected a generation, a whole number from 0 to 18446744073709551615 "
                    + "as an earlier answer's \"generation\" gave it"
            case .notALimit(let text):
                return "limit=\(Self.shown(text)): expected a whole number from 1 to \(ListingQuery.maximumLimit)"
            case .emptyAfter:
                return "after=: expected the name of a client, as an earlier page's \"next_after\" gave it"
            case .repeated(let name):
                return "\(name) is given more than once; give it once"
            case .unknownAfter(let name):
                return "after=\(Self.shown(name)): no client of that name (removed since the page before?); "
                    + "list again from the start, without after"
            }
        }

        private static func shown(_ text: String) -> String {
            let clean = TerminalText.sanitize(text)
            return clean.count > 40 ? String(clean.prefix(40)) + "…" : clean
        }
    }

    init(since: UInt64? = nil, limit: Int? = nil, after: String? = nil) {
        self.since = since
        self.limit = limit
        self.after = after
    }

    /// Reads the parameters (each at most once); others are ignored.
    init(values: (String) -> [String]) throws(Problem) {
        func single(_ name: String) throws(Problem) -> String? {
            let given = values(name)
            guard given.count <= 1 else { throw .repeated(name) }
            return given.first
        }
        if let text = try single("since") {
            guard let since = Self.wholeNumber(text, maximumDigits: 20).flatMap({ UInt64($0) }) else {
                throw .notAGeneration(text)
            }
            self.since = since
        }
        if let text = try single("limit") {
            guard let limit = Self.wholeNumber(text, maximumDigits: 5).flatMap({ Int($0) }),
                (1...Self.maximumLimit).contains(limit)
            else { throw .notALimit(text) }
            self.limit = limit
        }
        if let after = try single("after") {
            guard !after.isEmpty else { throw .emptyAfter }
            self.after = after
        }
    }

    /// ASCII digits only (no sign, no space, no `0x`), at most so many: the text, else nil.
    private static func wholeNumber(_ text: String, maximumDigits: Int) -> String? {
        guard !text.isEmpty, text.utf8.count <= maximumDigits, text.utf8.allSatisfy({ (48...57).contains($0) }) else {
            return nil
        }
        return text
    }
}
