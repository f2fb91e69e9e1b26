import Foundation
import Testing
import TokenModel

@testable import MetricsExporter

/// Issue 23's goal for the listing, in bytes (which do not depend on the build type): at 10,000
/// clients with 1 % changing a second, one `since` poll is at most 50 KB. Prints the figures
/// that Benchmarks/README.md ("The listing for watchers") quotes, before (each changed client's
/// whole snapshot, its logs as tails) and after (a merge patch of it), and where a patch's bytes go.
@Suite("a listing that scales: the bytes of an answer to since")
struct ListingBytesTests {
    /// What an answer to `since` costs, in bytes of `serve`'s compact JSON.
    struct Cost {
        /// Of each changed client's entry, as sent and as its whole snapshot would be.
        var entries: [Int]
        var wholeEntries: [Int]
        /// Of the whole answer, as sent and with whole snapshots.
        var poll: Int
        var wholePoll: Int
        /// Of the first changed client's entry as sent, by member: each of `changed`, `logs`, and
        /// `rest` for its name and the punctuation around.
        var parts: [(name: String, bytes: Int)]

        var partsText: String { parts.map { "\($0.name) \($0.bytes)" }.joined(separator: ", ") }

        static func median(_ values: [Int]) -> Int { values.sorted()[values.count / 2] }
    }

    /// `count` clients shaped as the demo's (every field filled), each named apart; their arrays
    /// are shared, as a manager's unchanged snapshots share them.
    private static func fleet(_ count: Int) -> [ClientSnapshot] {
        let fixture = WireFixtures.client
        return (0..<count).map { number in
            var client = fixture
            client.name = "client-\(number)"
            return client
        }
    }

    /// The client after one more call of its `resource-uri`, as the demo's `/mod` answers it.
    private static func answered(_ client: ClientSnapshot) -> ClientSnapshot {
        var client = client
        client.responses.append(
            ResourceResponse(
                status: 200, latency: .nanoseconds(2_810_673), at: WireFixtures.now.addingTimeInterval(10),
                bodyExcerpt: "The message of the day is boring for user: \(client.name)", tokenSerial: 3))
        return client
    }

    /// The client after a scheduled refresh: a new token, a fetch record, a new reading of the server's clock.
    private static func refreshed(_ client: ClientSnapshot) -> ClientSnapshot {
        var client = client
        let issued = WireFixtures.now.addingTimeInterval(3000)
        if var token = client.token {
            token.masked = "eyJh…Zx"
            token.issuedAt = issued
            token.expiresAt = issued.addingTimeInterval(3600)
            token.refreshAt = issued.addingTimeInterval(3000)
            token.serial += 1
            token.decoded.claims["exp"] = .number(issued.addingTimeInterval(3600).timeIntervalSince1970)
            client.token = token
        }
        client.history.append(
            FetchRecord(
                reason: .scheduled, startedAt: issued, latency: .milliseconds(14), error: nil, claimChanges: [],
                expiresAt: issued.addingTimeInterval(3600)))
        client.clockReadings[0].offset = -0.822_612_047_195_434_6
        client.clockReadings[0].at = issued
        return client
    }

    /// An index of `count` clients, a watcher that holds them, then one in `every` changed by `change`.
    private static func cost(of count: Int, every: Int, _ change: (ClientSnapshot) -> ClientSnapshot) throws -> Cost {
        var index = ClientsIndex(instance: "one")
        var clients = fleet(count)
        index.update(ManagerSnapshot(generation: 0, takenAt: WireFixtures.now, clients: clients))
        let held = index.generation
        for position in stride(from: 0, to: count, by: every) { clients[position] = change(clients[position]) }
        index.update(ManagerSnapshot(generation: 0, takenAt: WireFixtures.now, clients: clients))

        var selection = try index.select(ListingQuery(since: held))
        func bytes(_ value: some Encodable) throws -> Int { try WireJSON.text(value, compact: true).utf8.count }
        func poll() throws -> Int {
            try bytes(ClientsPage(selection, instance: index.instance, at: WireFixtures.now, actionsAllowed: false))
        }
        let entries = try selection.clients.map { try bytes(ClientChange($0)) }
        let sent = try poll()
        let parts = try Self.parts(of: ClientChange(try #require(selection.clients.first)))
        for position in selection.clients.indices { selection.clients[position].places = nil }
        let wholeEntries = try selection.clients.map { try bytes(ClientChange($0)) }
        return Cost(entries: entries, wholeEntries: wholeEntries, poll: sent, wholePoll: try poll(), parts: parts)
    }

    /// An entry's bytes member by member as written (`"key":value,` each), largest first, the rest last.
    private static func parts(of change: ClientChange) throws -> [(name: String, bytes: Int)] {
        func bytes(_ value: some Encodable) throws -> Int { try WireJSON.text(value, compact: true).utf8.count }
        let entry = try JSONDecoder().decode([String: ExactJSON].self, from: Data(WireJSON.text(change, compact: true).utf8))
        var parts = try (entry["changed"]?.objectValue ?? [:]).map { key, value in (key, try bytes(value) + key.utf8.count + 4) }
        if let logs = entry["logs"] { parts.append(("logs", try bytes(logs) + "logs".utf8.count + 4)) }
        parts.sort { $0.1 > $1.1 }
        return parts + [("rest", try bytes(change) - parts.reduce(0) { $0 + $1.1 })]
    }

    @Test("1 % of 10,000 clients with a new API answer is a poll under 50 KB; the bytes are printed")
    func apiAnswers() throws {
        let thousand = try Self.cost(of: 1000, every: 100, Self.answered)
        let tenThousand = try Self.cost(of: 10_000, every: 100, Self.answered)
        print(
            "listing bytes, a new API answer: per changed client median \(Cost.median(thousand.wholeEntries)) whole, "
                + "\(Cost.median(thousand.entries)) patched (1,000 clients, 10 changed); a poll at 10,000 clients "
                + "× 1 %: \(tenThousand.wholePoll) whole, \(tenThousand.poll) patched; an entry: \(thousand.partsText)")
        #expect(tenThousand.entries.count == 100)
        #expect(tenThousand.poll <= 50_000)
        #expect(Cost.median(thousand.entries) * 4 < Cost.median(thousand.wholeEntries))
    }

    @Test(
        "1 % of 10,000 clients refreshing is a poll under 50 KB: the token's changed members, the fetch record, the clock reading, the history's window; the bytes are printed"
    )
    func refreshes() throws {
        let thousand = try Self.cost(of: 1000, every: 100, Self.refreshed)
        let tenThousand = try Self.cost(of: 10_000, every: 100, Self.refreshed)
        print(
            "listing bytes, a token refresh: per changed client median \(Cost.median(thousand.wholeEntries)) whole, "
                + "\(Cost.median(thousand.entries)) patched (1,000 clients, 10 changed); a poll at 10,000 clients "
                + "× 1 %: \(tenThousand.wholePoll) whole, \(tenThousand.poll) patched; an entry: \(thousand.partsText)")
        #expect(tenThousand.entries.count == 100)
        #expect(tenThousand.poll <= 50_000)
        #expect(Cost.median(thousand.entries) * 4 < Cost.median(thousand.wholeEntries))
        // Of the token, only what a refresh changes: its 680 bytes whole were most of an entry.
        #expect(thousand.parts.first { $0.name == "token" }.map { $0.bytes < 200 } == true, "\(thousand.partsText)")
    }
}
