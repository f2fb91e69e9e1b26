import TokenModel

/// How many records each of a client's logs has ever had: where the next record's number starts.
struct LogEnds: Sendable, Equatable {
    var history: UInt64
    var responses: UInt64
    var actions: UInt64
}

/// What the clients index remembers of one client's logs so that an answer to `since` sends
/// only the records the watcher lacks: where each log ends now, and where they ended at the
/// last few generations they grew in.
///
/// The numbering is the index's own, found by comparing each snapshot's logs with the last
/// ones: a log that kept its old records (less some from the front) and added some is numbered
/// on; any other change (a reload that started a log afresh) numbers every record as new, so
/// a watcher is sent the whole log. Either way a record's number always means the same record.
struct LogBook: Sendable {
    /// How many growths are remembered: a watcher that polls every second is behind by one or
    /// two (a fetch adds a record, an API call another); one further behind gets whole logs.
    static let memory = 4

    /// The ends after each remembered growth, oldest first; never empty: the first is where the
    /// logs stood when the client was first seen or when the memory was last trimmed.
    private var marks: [(generation: UInt64, ends: LogEnds)]

    /// Numbers the logs of a client first seen at `generation`.
    init(_ client: ClientSnapshot, at generation: UInt64) {
        let ends = LogEnds(
            history: UInt64(client.history.count), responses: UInt64(client.responses.count),
            actions: UInt64(client.actions.count))
        marks = [(generation, ends)]
    }

    /// Where the logs end now.
    var ends: LogEnds { marks[marks.count - 1].ends }

    /// Where the logs of `client` (the newest snapshot) stand.
    func windows(of client: ClientSnapshot) -> ClientLogs {
        ClientLogs(
            history: Self.window(ending: ends.history, count: client.history.count),
            responses: Self.window(ending: ends.responses, count: client.responses.count),
            actions: Self.window(ending: ends.actions, count: client.actions.count))
    }

    /// Where the logs ended at `generation`; nil when that is before what is remembered.
    func ends(at generation: UInt64) -> LogEnds? {
        marks.last { $0.generation <= generation }?.ends
    }

    /// Numbers what `new` added to the logs of `old`, at `generation`.
    mutating func record(from old: ClientSnapshot, to new: ClientSnapshot, at generation: UInt64) {
        var next = ends
        next.history += UInt64(Self.appended(from: old.history, to: new.history))
        next.responses += UInt64(Self.appended(from: old.responses, to: new.responses))
        next.actions += UInt64(Self.appended(from: old.actions, to: new.actions))
        guard next != ends else { return }
        marks.append((generation, next))
        if marks.count > Self.memory { marks.removeFirst(marks.count - Self.memory) }
    }

    private static func window(ending end: UInt64, count: Int) -> LogWindow {
        // The book numbers at least as many records as the log holds (see `record`).
        LogWindow(start: end - min(end, UInt64(count)), end: end)
    }

    /// How many records at the end of `new` are new: `new` is `old` less some records from the
    /// front, then those. When `new` does not continue `old` so, all of its records are new.
    static func appended<Record: Equatable>(from old: [Record], to new: [Record]) -> Int {
        // Shared storage (the log did not change) answers at once.
        if old == new { return 0 }
        // The longest overlap first: the fewest records to send.
        for dropped in max(0, old.count - new.count)..<old.count where old[dropped] == new[0] {
            let kept = old.count - dropped
            if old[dropped...].elementsEqual(new.prefix(kept)) { return new.count - kept }
        }
        return new.count
    }
}
