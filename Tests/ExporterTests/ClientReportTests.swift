import Foundation
import Testing
import TokenModel

@testable import MetricsExporter

/// `check --json`, `/api/v1/clients` and what `--attach` reads are one document type: a field
/// added to one is in all three, and a round trip over a fully filled value finds a forgotten one.
@Suite("one client report for check --json, serve's listing and --attach")
struct ClientReportTests {
    /// The wire fixture with every part a report can have: served, deep, with events.
    static var filledReport: ClientReport {
        var client = WireFixtures.client
        client.retriesHalted = true
        client.revoked = true
        var report = ClientReport(client, at: WireFixtures.now, reader: .serve, deep: true, served: true)
        report.events = [.object(["event": .string("token_fetched"), "client": .string(client.name)])]
        return report
    }

    @Test("a fully filled client report has every member, and survives the wire unchanged")
    func reportRoundTrip() throws {
        let report = Self.filledReport
        let members = try #require(JSONValue(data: try JSONEncoder().encode(report))?.objectValue)
        #expect(Set(members.keys) == Set(ClientReport.CodingKeys.allCases.map(\.stringValue)))
        #expect(try JSONDecoder().decode(ClientReport.self, from: JSONEncoder().encode(report)) == report)
    }

    @Test("a listing page of both shapes and a check document, every field set, survive the wire unchanged")
    func pageRoundTrip() throws {
        var changed = WireFixtures.client
        changed.name = "billing"
        let logs = ClientLogs(
            history: LogWindow(start: 3, end: 5), responses: LogWindow(start: 0, end: 2), actions: LogWindow(start: 0, end: 2))
        let page = ClientsPage(
            generatedAt: "2027-01-15T08:00:00Z", actionsAllowed: true, generation: 1207, instance: "5f0c", complete: false,
            removed: ["gone"], nextAfter: "orders",
            clients: [.report(Self.filledReport), .change(ClientChange(name: changed.name, snapshot: changed, logs: logs))])
        let members = try #require(JSONValue(data: try JSONEncoder().encode(page))?.objectValue)
        #expect(Set(members.keys) == Set(ClientsPage.CodingKeys.allCases.map(\.stringValue)))
        #expect(try JSONDecoder().decode(ClientsPage.self, from: JSONEncoder().encode(page)) == page)

        // What --attach takes from the same page.
        let listing = try ClientsListing.decode(JSONEncoder().encode(page))
        #expect(listing.clients == page.clients.compactMap(\.snapshot))
        #expect(listing.logs == ["billing": logs])
        #expect(listing.generation == 1207 && listing.instance == "5f0c" && !listing.complete && listing.removed == ["gone"])

        let round = ManagerSnapshot(generation: 1, takenAt: WireFixtures.now, clients: [WireFixtures.client])
        let check = CheckDocument(round, at: WireFixtures.now, deep: true)
        #expect(try JSONDecoder().decode(CheckDocument.self, from: JSONEncoder().encode(check)) == check)
    }

    @Test("check --json's client and /api/v1/clients' client agree on every member they share")
    func checkAndServeAgree() throws {
        let client = WireFixtures.client
        let now = WireFixtures.now
        let round = ManagerSnapshot(generation: 1, takenAt: now, clients: [client])
        let checked = try #require(CheckDocument(round, at: now).clients.first)
        var index = ClientsIndex()
        index.update(round)
        let page = ClientsPage(try index.select(ListingQuery()), instance: index.instance, at: now, actionsAllowed: false)
        guard case .report(let listed)? = page.clients.first else {
            Issue.record("the whole listing has the client as a report: \(page.clients)")
            return
        }
        let checkMembers = try Self.members(checked)
        let listedMembers = try Self.members(listed)
        // Only the round's events are check's alone.
        #expect(Set(checkMembers.keys).subtracting(["events"]).isSubset(of: listedMembers.keys))
        for name in Set(checkMembers.keys).intersection(listedMembers.keys).subtracting(["next_step", "token"]) {
            #expect(checkMembers[name] == listedMembers[name], "\(name)")
        }
        // The token is the same, with serve's masked form beside it.
        var listedToken = listedMembers["token"]?.objectValue
        listedToken?["masked"] = nil
        #expect(checkMembers["token"]?.objectValue == listedToken)
        // The same next step, each in the words of where it is read.
        let cause = try #require(client.health(at: now).cause)
        #expect(checked.nextStep == client.nextStep(for: cause, in: .command))
        #expect(listed.nextStep == client.nextStep(for: cause, in: .serve))
    }

    private static func members(_ report: ClientReport) throws -> [String: JSONValue] {
        try #require(JSONValue(data: try JSONEncoder().encode(report))?.objectValue)
    }
}
