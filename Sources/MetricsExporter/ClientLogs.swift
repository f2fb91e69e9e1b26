import TokenModel

/// Where one of a client's logs stands in its instance's numbering: it holds the records numbered
/// `start..<end`, oldest first. The logs (fetch history, API answers, operator actions) only append
/// and drop from the front, so a record keeps its number while it is held, and a watcher that holds
/// a log needs only the records numbered past its own `end`.
public struct LogWindow: Sendable, Equatable {
    /// The number of the oldest record held.
    public var start: UInt64
    /// One past the number of the newest record: how many records the log has ever had.
    public var end: UInt64

    /// The largest number on the wire: exact as a JSON number. A log that grew by a record a
    /// millisecond would take 285,000 years to reach it.
    static let largestNumber: UInt64 = 1 << 53

    public init(start: UInt64, end: UInt64) {
        self.start = start
        self.end = end
    }

    /// How many records the log holds.
    public var count: UInt64 { end - start }
}

/// Where a client's three logs stand, in an answer to `?since=` beside its snapshot.
public struct ClientLogs: Sendable, Equatable {
    public var history: LogWindow
    public var responses: LogWindow
    public var actions: LogWindow

    public init(history: LogWindow, responses: LogWindow, actions: LogWindow) {
        self.history = history
        self.responses = responses
        self.actions = actions
    }
}

extension LogWindow: Codable {
    private enum CodingKeys: String, CodingKey { case start, end }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let largest = Int(Self.largestNumber)
        let start = try container.integer(.start, in: 0...largest)
        self.init(start: UInt64(start), end: UInt64(try container.integer(.end, in: start...largest)))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(start, forKey: .start)
        try container.encode(end, forKey: .end)
    }
}

extension ClientLogs: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable { case history, responses, actions }
}

/// The windows beside a merge patch of a client held (`ClientChange.changed`): one for each log
/// the patch sends. A log the patch does not send gained no record and dropped none since the
/// watcher's generation, so its window is the one held (a log's window moves whenever the log
/// changes). A `serve` of the first merge patches sent all three; that reads the same.
public struct PatchLogs: Sendable, Equatable, Codable {
    public var history: LogWindow?
    public var responses: LogWindow?
    public var actions: LogWindow?

    public init(history: LogWindow? = nil, responses: LogWindow? = nil, actions: LogWindow? = nil) {
        self.history = history
        self.responses = responses
        self.actions = actions
    }

    /// Of `logs`, the windows of the logs named in `sent` (a patch's keys).
    init(_ logs: ClientLogs, sending sent: some Collection<String>) {
        let named = Set(sent)
        self.init(
            history: named.contains(ClientLogs.CodingKeys.history.stringValue) ? logs.history : nil,
            responses: named.contains(ClientLogs.CodingKeys.responses.stringValue) ? logs.responses : nil,
            actions: named.contains(ClientLogs.CodingKeys.actions.stringValue) ? logs.actions : nil)
    }

    /// No window: the patch sends no log.
    var isEmpty: Bool { history == nil && responses == nil && actions == nil }

    /// The window of one log, by its key.
    subscript(log: ClientLogs.CodingKeys) -> LogWindow? {
        switch log {
        case .history: history
        case .responses: responses
        case .actions: actions
        }
    }

    /// Where the client's logs stand once the patch is applied: each window sent, else the one
    /// held; nil when a log has neither (nothing held to keep).
    func windows(over held: ClientLogs?) -> ClientLogs? {
        guard let history = history ?? held?.history, let responses = responses ?? held?.responses,
            let actions = actions ?? held?.actions
        else { return nil }
        return ClientLogs(history: history, responses: responses, actions: actions)
    }
}

extension ClientSnapshot {
    /// The snapshot with each log cut to its records numbered from `from` on (all of a log whose
    /// window starts later): what an answer to `since` sends of a client the watcher holds.
    func tails(of logs: ClientLogs, from: LogEnds) -> ClientSnapshot {
        var cut = self
        cut.history = Array(history.suffix(LogTail.count(of: logs.history, from: from.history)))
        cut.responses = Array(responses.suffix(LogTail.count(of: logs.responses, from: from.responses)))
        cut.actions = Array(actions.suffix(LogTail.count(of: logs.actions, from: from.actions)))
        return cut
    }

    /// Whether every log is sent whole: its records are as many as its window holds.
    func hasWholeLogs(_ logs: ClientLogs) -> Bool {
        UInt64(history.count) == logs.history.count && UInt64(responses.count) == logs.responses.count
            && UInt64(actions.count) == logs.actions.count
    }

    /// This answer's snapshot, whose logs may be tails, made whole from what the watcher holds
    /// of the client; nil when what it holds does not reach back to where a tail starts (then
    /// only the whole listing can be trusted).
    func joined(_ logs: ClientLogs, to held: ClientSnapshot, heldLogs: ClientLogs?) -> ClientSnapshot? {
        var whole = self
        guard let history = LogTail.joined(history, logs.history, to: held.history, heldLogs?.history),
            let responses = LogTail.joined(responses, logs.responses, to: held.responses, heldLogs?.responses),
            let actions = LogTail.joined(actions, logs.actions, to: held.actions, heldLogs?.actions)
        else { return nil }
        whole.history = history
        whole.responses = responses
        whole.actions = actions
        return whole
    }
}

/// Sending and joining the tail of one log.
enum LogTail {
    /// How many of a log's newest records are numbered `from` or later.
    static func count(of window: LogWindow, from: UInt64) -> Int {
        // Never more than the log holds: a watcher behind the window's start gets the whole log.
        Int(window.end - max(window.start, min(from, window.end)))
    }

    /// The whole log: `tail` alone when it is as long as `window`, else the records of `held`
    /// numbered from `window.start` up to the tail, then the tail. Nil when `held` does not
    /// cover them.
    static func joined<Record>(_ tail: [Record], _ window: LogWindow, to held: [Record], _ heldWindow: LogWindow?) -> [Record]? {
        let count = UInt64(tail.count)
        guard count < window.count else { return count == window.count ? tail : nil }
        let tailStart = window.end - count
        guard let heldWindow, UInt64(held.count) == heldWindow.count, heldWindow.start <= window.start,
            tailStart <= heldWindow.end
        else { return nil }
        // Both offsets are at most held.count, checked just above: the conversions cannot trap.
        let from = Int(window.start - heldWindow.start)
        let upTo = Int(tailStart - heldWindow.start)
        return Array(held[from..<upTo]) + tail
    }
}
