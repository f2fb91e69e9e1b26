import Foundation
import Testing
import TokenModel

@testable import MetricsExporter

/// An answer to `?since=` sends of a client the watcher holds only what changed (`changed`, a
/// merge patch: `ListingMergePatchTests` for what happens inside the token), exactly as the
/// snapshot encodes it, and the watcher applies it to what it holds to get exactly the snapshot
/// serve has. Values sent whole are checked by their wire rules as soon as the answer is read.
@Suite("a listing that scales: only the changed fields of a client held")
struct ListingChangedFieldsTests {
    /// A client as the demo fills one (every field set), named for the listing.
    private static func client(_ name: String = "orders") -> ClientSnapshot {
        var client = WireFixtures.client
        client.name = name
        return client
    }

    /// An index that published `first` and then `second`, and a watcher that holds `first`.
    private static func followed(
        _ first: [ClientSnapshot], then second: [ClientSnapshot]
    ) throws -> (index: ClientsIndex, held: ClientsListing) {
        var index = ClientsIndex(instance: "one")
        index.update(ManagerSnapshot(generation: 0, takenAt: WireFixtures.now, clients: first))
        var held = try ListingWire.answer(index, ListingQuery(since: 0))
        held.complete = true
        index.update(ManagerSnapshot(generation: 0, takenAt: WireFixtures.now, clients: second))
        return (index, held)
    }

    /// The one entry of the answer to `since` the watcher's generation, as JSON.
    private static func entry(_ index: ClientsIndex, since held: ClientsListing) throws -> JSONValue {
        let document = try ListingWire.document(index, ListingQuery(since: held.generation))
        let clients = try #require(document["clients"]?.arrayValue)
        try #require(clients.count == 1)
        return clients[0]
    }

    /// What the watcher holds after the answer to `since` its generation.
    private static func applied(_ index: ClientsIndex, to held: ClientsListing) throws -> [ClientSnapshot] {
        try #require(try held.applying(ListingWire.answer(index, ListingQuery(since: held.generation)))).clients
    }

    @Test("a new API answer sends the client's name, its new response and nothing else: no token, no key set")
    func newAnswerOnly() throws {
        let before = Self.client()
        var after = before
        after.responses.append(ResourceResponse(status: 200, latency: .milliseconds(7), at: WireFixtures.now, bodyExcerpt: "ok"))
        let (index, held) = try Self.followed([before], then: [after])

        let entry = try Self.entry(index, since: held)
        #expect(entry.objectValue.map { Set($0.keys) } == ["name", "changed", "logs"])
        #expect(entry["name"] == .string("orders"))
        let changed = try #require(entry["changed"]?.objectValue)
        #expect(Set(changed.keys) == ["responses"])
        #expect(changed["responses"]?.arrayValue?.count == 1)
        #expect(changed["token"] == nil && changed["key_set"] == nil)

        #expect(try Self.applied(index, to: held) == [ClientReport.exported(after)])
    }

    @Test("a field that became nil (an error cleared) arrives as null and is cleared on the watcher")
    func clearedField() throws {
        let before = Self.client()
        var after = before
        after.lastError = nil
        after.nextRetryAt = nil
        let (index, held) = try Self.followed([before], then: [after])

        let changed = try #require(Self.entry(index, since: held)["changed"]?.objectValue)
        #expect(changed == ["last_error": .null, "next_retry_at": .null])
        let now = try Self.applied(index, to: held)
        #expect(now == [ClientReport.exported(after)])
        #expect(now.first?.lastError == nil)
    }

    @Test("nanoseconds past 2^53 (a credential warning over 104 days) cross a since answer exactly")
    func wholeNumbersStayExact() throws {
        // 2^60 + 1 ns: a Double would round it, and spell it with an exponent the whole-number rules refuse.
        let nanoseconds: Int64 = (1 << 60) + 1
        let before = Self.client()
        var after = before
        after.credentialWarning = .nanoseconds(nanoseconds)
        var index = ClientsIndex(instance: "one")
        index.update(ManagerSnapshot(generation: 0, takenAt: WireFixtures.now, clients: [before]))
        var held = try ListingWire.answer(index, ListingQuery(since: 0))
        held.complete = true
        index.update(ManagerSnapshot(generation: 0, takenAt: WireFixtures.now, clients: [after]))

        let body = String(decoding: try ListingWire.body(index, ListingQuery(since: held.generation)), as: UTF8.self)
        #expect(body.contains(#""changed":{"credential_warning_ns":1152921504606846977}"#), "\(body.prefix(300))")
        held = try #require(try held.applying(ListingWire.answer(index, ListingQuery(since: held.generation))))
        #expect(held.clients == [ClientReport.exported(after)])

        // One nanosecond more is a change, found and sent: no Double between serve's two snapshots.
        after.credentialWarning = .nanoseconds(nanoseconds + 1)
        index.update(ManagerSnapshot(generation: 0, takenAt: WireFixtures.now, clients: [after]))
        held = try #require(try held.applying(ListingWire.answer(index, ListingQuery(since: held.generation))))
        #expect(held.clients.first?.credentialWarning == .nanoseconds(nanoseconds + 1))
    }

    @Test("the fuzz corpus's since answer with changed fields reads, its whole numbers exact however spelled")
    func corpusSeedReads() throws {
        let seed = WireFormatTests.snapshotCorpus.appendingPathComponent("since-changed-fields.json")
        let changed = try #require(ClientsListing.decode(Data(contentsOf: seed)).partials["mod-client"])
        #expect(changed["credential_warning_ns"] == .integer((1 << 60) + 1))
        #expect(changed["poll_interval_ns"] == .integer(15_000_000_000))
        #expect(changed["last_error"] == .null)
    }

    /// A `since` answer whose one entry is `entry` (a JSON object's members, without braces).
    private static func body(_ entry: String) -> Data {
        Data(
            """
            {"generation": 2, "instance": "one", "complete": false, "clients": [{"name": "orders", \(entry)}]}
            """.utf8)
    }

    private static let windows =
        #""logs": {"history": {"start": 0, "end": 2}, "responses": {"start": 0, "end": 2}, "#
        + #""actions": {"start": 0, "end": 2}}"#

    @Test(
        "changed fields from outside are read by the snapshot's own rules: an error that says where, never a trap",
        arguments: [
            (#""changed": {"credential_warning_ns": 1e300}"#, "clients[0].changed.credential_warning_ns: 1e+300 ns is not"),
            (#""changed": {"poll_interval_ns": -1}"#, "clients[0].changed.poll_interval_ns: -1 ns is not a whole number"),
            (#""changed": {"next_retry_at": 1e300}"#, "clients[0].changed.next_retry_at: 1e+300 is not a Unix time"),
            (#""changed": {"token": 5}"#, "clients[0].changed.token"),
            (#""changed": {"responses": [{"status": 1000}]}"#, "clients[0].changed.responses[0]"),
            (#""changed": {"history": [{}, {}, {}]}"#, "clients[0].changed.history[0]"),
        ])
    func hostileFields(changed: String, reported: String) throws {
        let error = #expect(throws: ClientsListingError.self) {
            try ClientsListing.decode(Self.body(changed + ", " + Self.windows))
        }
        #expect(error?.description.contains(reported) == true, "\(String(describing: error))")
    }

    @Test("a log among the changed fields never sends more records than its window holds")
    func changedLogPastItsWindow() throws {
        let records = try String(
            decoding: JSONEncoder().encode(Array(repeating: Self.client().history[0], count: 3)), as: UTF8.self)
        let error = #expect(throws: ClientsListingError.self) {
            try ClientsListing.decode(Self.body(#""changed": {"history": \#(records)}, "# + Self.windows))
        }
        #expect(
            error?.description.contains("history: 3 sent, more than the 2 its window holds") == true,
            "\(String(describing: error))")
    }

    /// Ignored, as a whole snapshot ignores a key it does not know: a newer serve may send a field
    /// this watcher has no place for, and refusing it would leave the watcher unable to follow at all.
    @Test("a changed key that is no field of the snapshot is ignored, as in a whole snapshot")
    func unknownKeyIgnored() throws {
        let before = Self.client()
        let (_, held) = try Self.followed([before], then: [before])
        let windows = String(decoding: try JSONEncoder().encode(try #require(held.logs["orders"])), as: UTF8.self)
        let text = """
            {"generation": \(held.generation ?? 0), "instance": "one", "complete": false, "clients": [{"name": "orders",
            "changed": {"colour": "blue", "is_fetching": false}, "logs": \(windows)}]}
            """
        let answer = try ClientsListing.decode(Data(text.utf8))
        var expected = ClientReport.exported(before)
        expected.isFetching = false
        #expect(try held.applying(answer)?.clients == [expected])
    }

    /// The fixture's snapshot as JSON, for an entry that carries one.
    private static var snapshotText: String {
        (try? JSONEncoder().encode(client())).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    @Test(
        "a changed client carries exactly one of snapshot and changed, and each log among changed comes with its window",
        arguments: [
            ("\(windows)", "clients[0]: missing snapshot (is the instance a tokentop serve of this version?)"),
            (
                #""snapshot": \#(snapshotText), "changed": {}, "# + windows,
                "clients[0].changed: sent beside a whole snapshot: a changed client has one or the other"
            ),
            (#""changed": {"history": []}"#, "clients[0].logs: missing history"),
            (#""changed": {"actions": []}, "logs": {"history": {"start": 0, "end": 0}}"#, "clients[0].logs: missing actions"),
        ])
    func oneOfSnapshotOrChanged(entry: String, reported: String) throws {
        let error = #expect(throws: ClientsListingError.self) { try ClientsListing.decode(Self.body(entry)) }
        #expect(error?.description.contains(reported) == true, "\(String(describing: error))")
    }

    @Test("a client listed both whole and as changed fields is refused: the two could not both be applied")
    func listedTwice() throws {
        let whole = #"{"name": "orders", "snapshot": \#(Self.snapshotText), "# + Self.windows + "}"
        let fields = #"{"name": "orders", "changed": {"is_fetching": true}, "# + Self.windows + "}"
        for entries in [[whole, fields], [fields, whole], [fields, fields]] {
            let body =
                #"{"generation": 2, "instance": "one", "complete": false, "clients": ["#
                + entries.joined(separator: ", ") + "]}"
            let error = #expect(throws: ClientsListingError.self) { try ClientsListing.decode(Data(body.utf8)) }
            #expect(error?.description.contains("clients[1]: orders is listed twice") == true, "\(String(describing: error))")
        }
    }

    @Test("fields for a client the watcher does not hold cannot be applied: the watcher lists again")
    func changedOfClientNotHeld() throws {
        let (index, held) = try Self.followed([Self.client("orders")], then: [Self.client("orders"), Self.client("billing")])
        var answer = try ListingWire.answer(index, ListingQuery(since: held.generation))
        #expect(answer.clients.map(\.name) == ["billing"])
        answer.partials = ["payments": ["is_fetching": .bool(false)]]
        answer.logs["payments"] = held.logs["orders"]
        #expect(try held.applying(answer) == nil)
    }
}
