import Foundation
import Testing
import TokenModel
import TokenTesting

@testable import MetricsExporter

/// An answer to `?since=` sends of each changed client's logs only the records the watcher
/// lacks, and the watcher joins them to what it holds into exactly the snapshot serve has.
@Suite("a listing that scales: the logs of a changed client as tails")
struct ListingTailsTests {
    private static let start = Date(timeIntervalSince1970: 1_800_000_000)

    private static func fetch(_ number: Int) -> FetchRecord {
        FetchRecord(
            reason: .scheduled, startedAt: start.addingTimeInterval(Double(number)), latency: .milliseconds(80),
            error: nil, claimChanges: [], expiresAt: start.addingTimeInterval(Double(number + 300)))
    }

    private static func answer(_ body: String, at second: Int = 0) -> ResourceResponse {
        ResourceResponse(status: 200, latency: .milliseconds(5), at: start.addingTimeInterval(Double(second)), bodyExcerpt: body)
    }

    private static func action(_ number: Int, client: String) -> ActionRecord {
        ActionRecord(
            action: .refresh, client: client, at: start.addingTimeInterval(Double(number)), succeeded: true,
            outcome: "new token \(number)")
    }

    private static func snapshot(_ clients: [ClientSnapshot]) -> ManagerSnapshot {
        ManagerSnapshot(generation: 0, takenAt: start, clients: clients)
    }

    private static func client(_ name: String, history: [FetchRecord] = [], responses: [ResourceResponse] = []) -> ClientSnapshot
    {
        ClientSnapshot(name: name, state: .valid, responses: responses, history: history)
    }

    /// Follows `index` from generation 0 and returns what the watcher holds, checked against the whole listing.
    private static func follow(_ index: ClientsIndex, from held: ClientsListing?) throws -> ClientsListing {
        var answer = try ListingWire.answer(index, ListingQuery(since: held?.generation ?? 0))
        answer.complete = answer.complete || held == nil
        guard let held else { return answer }
        return try #require(try held.applying(answer))
    }

    @Test("a client whose history grew by one record sends that record, and the watcher holds the whole history")
    func grewByOne() throws {
        var index = ClientsIndex(instance: "one")
        let old = Self.client("orders", history: (1...3).map(Self.fetch))
        index.update(Self.snapshot([old, Self.client("billing")]))
        let held = try Self.follow(index, from: nil)

        let grown = Self.client("orders", history: (1...4).map(Self.fetch))
        index.update(Self.snapshot([grown, Self.client("billing")]))
        let document = try ListingWire.document(index, ListingQuery(since: 1))
        let sent = try #require(document["clients"]?.arrayValue?.first)
        // A client the watcher holds: only its history changed, so only its history is sent.
        #expect(sent["snapshot"] == nil)
        #expect(sent["changed"]?.objectValue.map { Array($0.keys) } == ["history"])
        #expect(sent["changed"]?["history"]?.arrayValue?.count == 1)
        // Of its logs' windows, only the one of the log sent: the others did not move.
        #expect(sent["logs"] == .object(["history": .object(["start": .number(0), "end": .number(4)])]))

        let now = try Self.follow(index, from: held)
        #expect(now.clients == [grown, Self.client("billing")])
        #expect(now.logs["orders"]?.history == LogWindow(start: 0, end: 4))
    }

    @Test("a log that dropped records from the front sends the new ones and the window that says what to drop")
    func droppedFromTheFront() throws {
        var index = ClientsIndex(instance: "one")
        index.update(Self.snapshot([Self.client("orders", history: (1...5).map(Self.fetch))]))
        let held = try Self.follow(index, from: nil)

        // history-size 5: two fetches push out the two oldest.
        let moved = Self.client("orders", history: (3...7).map(Self.fetch))
        index.update(Self.snapshot([moved]))
        let answer = try ListingWire.answer(index, ListingQuery(since: 1))
        #expect(try ListingWire.sent("history", \.history, of: "orders", in: answer) == [Self.fetch(6), Self.fetch(7)])
        #expect(answer.partialLogs["orders"]?.history == LogWindow(start: 2, end: 7))
        #expect(try Self.follow(index, from: held).clients == [moved])
    }

    @Test("a watcher further behind than remembered, or behind records that fell off the front, gets whole logs")
    func tooFarBehind() throws {
        var index = ClientsIndex(instance: "one")
        index.update(Self.snapshot([Self.client("orders", responses: [Self.answer("0")])]))
        let held = try Self.follow(index, from: nil)
        var responses = [Self.answer("0")]
        for number in 1...LogBook.memory {
            responses.append(Self.answer("\(number)"))
            index.update(Self.snapshot([Self.client("orders", responses: responses)]))
        }
        // From generation 2 the log's ends are still remembered: a tail.
        let recent = try ListingWire.answer(index, ListingQuery(since: 2))
        #expect(try ListingWire.sent("responses", \.responses, of: "orders", in: recent)?.count == LogBook.memory - 1)
        // From generation 1 they are not: the whole log.
        let behind = try ListingWire.answer(index, ListingQuery(since: 1))
        #expect(behind.clients.first?.responses == responses)
        #expect(try Self.follow(index, from: held).clients.first?.responses == responses)

        // history-size 3: three fetches since the watcher's generation pushed out every record it holds.
        var short = ClientsIndex(instance: "two")
        short.update(Self.snapshot([Self.client("orders", history: (1...3).map(Self.fetch))]))
        let shortHeld = try Self.follow(short, from: nil)
        for newest in 4...6 {
            short.update(Self.snapshot([Self.client("orders", history: (newest - 2...newest).map(Self.fetch))]))
        }
        let jumped = try ListingWire.answer(short, ListingQuery(since: 1))
        #expect(try ListingWire.sent("history", \.history, of: "orders", in: jumped) == (4...6).map(Self.fetch))
        #expect(jumped.partialLogs["orders"]?.history == LogWindow(start: 3, end: 6))
        #expect(try Self.follow(short, from: shortHeld).clients.first?.history == (4...6).map(Self.fetch))
    }

    @Test("a log that changed other than by appending (a reload started it afresh) is numbered anew and sent whole")
    func startedAfresh() throws {
        var index = ClientsIndex(instance: "one")
        index.update(Self.snapshot([Self.client("orders", history: (1...4).map(Self.fetch))]))
        let held = try Self.follow(index, from: nil)
        let afresh = Self.client("orders", history: [Self.fetch(1), Self.fetch(9)])
        index.update(Self.snapshot([afresh]))
        let answer = try ListingWire.answer(index, ListingQuery(since: 1))
        #expect(try ListingWire.sent("history", \.history, of: "orders", in: answer) == afresh.history)
        #expect(answer.partialLogs["orders"]?.history == LogWindow(start: 4, end: 6))
        #expect(try Self.follow(index, from: held).clients == [afresh])
    }

    @Test("a tail that the watcher's logs do not reach is not applied: the watcher lists again")
    func tailWithoutItsStart() throws {
        var index = ClientsIndex(instance: "one")
        index.update(Self.snapshot([Self.client("orders", history: (1...3).map(Self.fetch))]))
        index.update(Self.snapshot([Self.client("orders", history: (1...4).map(Self.fetch))]))
        let tail = try ListingWire.answer(index, ListingQuery(since: 1))
        #expect(try ListingWire.sent("history", \.history, of: "orders", in: tail) == [Self.fetch(4)])
        // Held from before the numbering reached it, or not held at all: never a log with a hole.
        let stale = ClientsListing(
            clients: [Self.client("orders", history: [Self.fetch(1)])], actionsAllowed: nil, generation: 1, instance: "one",
            logs: [
                "orders": ClientLogs(
                    history: LogWindow(start: 0, end: 1), responses: .init(start: 0, end: 0), actions: .init(start: 0, end: 0))
            ])
        #expect(try stale.applying(tail) == nil)
        let empty = ClientsListing(clients: [], actionsAllowed: nil, generation: 1, instance: "one")
        #expect(try empty.applying(tail) == nil)
        var complete = tail
        complete.complete = true
        #expect(try empty.applying(complete) == nil)
    }

    @Test(
        "window numbers from outside are checked: never a trap, an error that says where",
        arguments: [
            (#"{"start": -1, "end": 3}"#, "clients[0].logs.history.start"),
            (#"{"start": 1e300, "end": 3}"#, "clients[0].logs.history.start"),
            (#"{"start": 4, "end": 3}"#, "clients[0].logs.history.end"),
            (#"{"start": 0, "end": 9007199254740993}"#, "clients[0].logs.history.end"),
            (#"{"start": 0, "end": "3"}"#, "clients[0].logs.history.end"),
            (#"{"start": 0, "end": 0}"#, "history: 1 sent, more than the 0 its window holds"),
        ])
    func hostileWindows(window: String, reported: String) throws {
        let body = """
            {"generation": 2, "instance": "one", "complete": false, "clients": [{"name": "orders",
            "snapshot": \(try JSONEncoder().encode(Self.client("orders", history: [Self.fetch(1)])).utf8Text),
            "logs": {"history": \(window), "responses": {"start": 0, "end": 0}, "actions": {"start": 0, "end": 0}}}]}
            """
        let error = #expect(throws: ClientsListingError.self) { try ClientsListing.decode(Data(body.utf8)) }
        #expect(error?.description.contains(reported) == true, "\(String(describing: error))")
    }

    @Test("a window survives the wire unchanged")
    func windowRoundTrip() throws {
        let logs = ClientLogs(
            history: LogWindow(start: 3, end: 103), responses: LogWindow(start: 0, end: LogWindow.largestNumber),
            actions: LogWindow(start: 7, end: 7))
        #expect(try JSONDecoder().decode(ClientLogs.self, from: JSONEncoder().encode(logs)) == logs)
    }
}

extension Data {
    fileprivate var utf8Text: String { String(decoding: self, as: UTF8.self) }
}
