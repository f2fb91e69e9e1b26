import DemoServer
import Foundation
import OAuthClient
import Testing
import TokenModel
import TokenTesting

@testable import MetricsExporter
@testable import TokentopCommands

/// `/api/v1/clients` for a fleet: pages, and the changes since a generation.
@Suite("a listing that scales: pages and changes since a generation")
struct ListingTests {
    private static func client(_ name: String, _ state: TokenState = .valid) -> ClientSnapshot {
        ClientSnapshot(name: name, state: state)
    }

    private static func snapshot(_ clients: [ClientSnapshot]) -> ManagerSnapshot {
        ManagerSnapshot(generation: 0, takenAt: Date(timeIntervalSince1970: 1_800_000_000), clients: clients)
    }

    private static func names(_ selection: ClientsIndex.Selection) -> [String] { selection.clients.map(\.snapshot.name) }

    @Test("changes since a generation are the clients whose snapshot changed, and the names removed")
    func changesSince() throws {
        var index = ClientsIndex(instance: "one")
        index.update(Self.snapshot(["a", "b", "c", "d"].map { Self.client($0) }))
        #expect(index.generation == 1)
        let everything = try index.select(ListingQuery(since: 0))
        #expect(Self.names(everything) == ["a", "b", "c", "d"])
        #expect(!everything.complete)
        #expect(everything.changesOnly)

        index.update(Self.snapshot([Self.client("a"), Self.client("b", .error), Self.client("c"), Self.client("d")]))
        #expect(index.generation == 2)
        // The same snapshot again is no change at all.
        index.update(Self.snapshot([Self.client("a"), Self.client("b", .error), Self.client("c"), Self.client("d")]))
        #expect(index.generation == 2)
        let changed = try index.select(ListingQuery(since: 1))
        #expect(Self.names(changed) == ["b"])
        #expect(changed.removed.isEmpty)
        #expect(changed.generation == 2)
        #expect(try Self.names(index.select(ListingQuery(since: 2))).isEmpty)

        index.update(Self.snapshot([Self.client("a"), Self.client("b", .error), Self.client("d"), Self.client("e")]))
        let later = try index.select(ListingQuery(since: 2))
        #expect(Self.names(later) == ["e"])
        #expect(later.removed == ["c"])
        #expect(!later.complete)
        let fromOne = try index.select(ListingQuery(since: 1))
        #expect(Self.names(fromOne) == ["b", "e"])
        #expect(fromOne.removed == ["c"])
    }

    @Test("a watcher that applies the changes holds what the whole listing says, order included")
    func watcherAgrees() throws {
        var index = ClientsIndex(instance: "one")
        var held: ClientsListing?
        func follow() throws {
            var answer = try ListingWire.answer(index, ListingQuery(since: held?.generation ?? 0))
            answer.complete = answer.complete || held == nil
            held = try held.map { try #require(try $0.applying(answer)) } ?? answer
            let whole = try index.select(ListingQuery())
            #expect(held?.clients == whole.clients.map(\.snapshot))
        }
        let steps: [[ClientSnapshot]] = [
            ["a", "b", "c"].map { Self.client($0) },
            [Self.client("a", .error), Self.client("b"), Self.client("c")],
            [Self.client("a", .error), Self.client("c"), Self.client("d")],
            // A reload that puts a new client between old ones: the whole listing is answered.
            [Self.client("a", .error), Self.client("x"), Self.client("c"), Self.client("d")],
            // Reordered only.
            [Self.client("d"), Self.client("c"), Self.client("x"), Self.client("a", .error)],
            [],
            [Self.client("b")],
        ]
        for step in steps {
            index.update(Self.snapshot(step))
            try follow()
        }
    }

    @Test("changes from another instance (a restarted serve) are not applied: the watcher lists again")
    func otherInstance() throws {
        let held = ClientsListing(clients: [Self.client("a")], actionsAllowed: true, generation: 7, instance: "one")
        let changes = ClientsListing(
            clients: [Self.client("b")], actionsAllowed: true, generation: 8, instance: "two", complete: false, removed: ["a"])
        #expect(try held.applying(changes) == nil)
        var same = changes
        same.instance = "one"
        #expect(try held.applying(same)?.clients == [Self.client("b")])
        #expect(try held.applying(same)?.generation == 8)
        var old = changes
        old.instance = nil
        #expect(try held.applying(old) == nil)
    }

    @Test("a reorder, a generation from the future (a restarted serve) or from before forgotten removals answers everything")
    func completeWhenChangesCannotBeTold() throws {
        var index = ClientsIndex(instance: "one")
        index.update(Self.snapshot(["a", "b", "c"].map { Self.client($0) }))
        index.update(Self.snapshot(["c", "b", "a"].map { Self.client($0) }))
        let reordered = try index.select(ListingQuery(since: 1))
        #expect(reordered.complete)
        #expect(Self.names(reordered) == ["c", "b", "a"])
        #expect(try !index.select(ListingQuery(since: 2)).complete)
        let future = try index.select(ListingQuery(since: 99))
        #expect(future.complete)
        #expect(Self.names(future) == ["c", "b", "a"])

        var forgetful = ClientsIndex(instance: "two")
        let many = (0...ClientsIndex.removalMemory).map { Self.client("c\($0)") }
        forgetful.update(Self.snapshot(many))
        forgetful.update(Self.snapshot([]))
        forgetful.update(Self.snapshot([Self.client("new")]))
        #expect(try forgetful.select(ListingQuery(since: 1)).complete)
        #expect(try !forgetful.select(ListingQuery(since: 2)).complete)
    }

    @Test("pages follow the listing's order: limit, then after the last name of the page before")
    func pages() throws {
        var index = ClientsIndex(instance: "one")
        index.update(Self.snapshot(["e", "a", "d", "b", "c"].map { Self.client($0) }))
        let first = try index.select(ListingQuery(limit: 2))
        #expect(Self.names(first) == ["e", "a"])
        #expect(first.nextAfter == "a")
        let second = try index.select(ListingQuery(limit: 2, after: "a"))
        #expect(Self.names(second) == ["d", "b"])
        let last = try index.select(ListingQuery(limit: 2, after: "b"))
        #expect(Self.names(last) == ["c"])
        #expect(last.nextAfter == nil)
        #expect(try index.select(ListingQuery(limit: 5)).nextAfter == nil)
        #expect(throws: ListingQuery.Problem.unknownAfter("zz")) { try index.select(ListingQuery(after: "zz")) }

        // Changes page the same way; removed names come with the first page.
        index.update(Self.snapshot(["e", "a", "d", "b"].map { Self.client($0, .error) }))
        let changes = try index.select(ListingQuery(since: 1, limit: 3))
        #expect(Self.names(changes) == ["e", "a", "d"])
        #expect(changes.removed == ["c"])
        let rest = try index.select(ListingQuery(since: 1, limit: 3, after: "d"))
        #expect(Self.names(rest) == ["b"])
        #expect(rest.removed.isEmpty)
    }

    @Test(
        "query numbers from outside are checked, never converted blindly",
        arguments: [
            ("since", "-1", "since=-1: expected a generation"),
            ("since", "18446744073709551616", "since=18446744073709551616: expected a generation"),
            ("since", "99999999999999999999999999", "expected a generation"),
            ("since", "1e3", "since=1e3"),
            ("since", " 7", "expected a generation"),
            ("since", "", "expected a generation"),
            ("since", "0x10", "expected a generation"),
            ("limit", "0", "limit=0: expected a whole number from 1 to 10000"),
            ("limit", "10001", "limit=10001"),
            ("limit", "9223372036854775808", "limit=9223372036854775808"),
            ("limit", "-5", "limit=-5"),
            ("limit", "ten", "limit=ten"),
            ("after", "", "after=: expected the name of a client"),
        ])
    func badQueries(name: String, value: String, message: String) throws {
        let problem = #expect(throws: ListingQuery.Problem.self) {
            try ListingQuery(values: { $0 == name ? [value] : [] })
        }
        #expect(problem?.description.contains(message) == true, "\(String(describing: problem))")
    }

    @Test("the largest numbers that fit are taken, and a parameter given twice is refused")
    func edges() throws {
        let query = try ListingQuery(values: { ["since": ["18446744073709551615"], "limit": ["10000"]][$0] ?? [] })
        #expect(query == ListingQuery(since: .max, limit: 10_000))
        #expect(throws: ListingQuery.Problem.repeated("since")) { try ListingQuery(values: { $0 == "since" ? ["1", "2"] : [] }) }
        let escaped = #expect(throws: ListingQuery.Problem.self) {
            try ListingQuery(values: { $0 == "limit" ? ["\u{1B}[31m" + String(repeating: "9", count: 100)] : [] })
        }
        #expect(escaped?.description.contains("\u{1B}") == false)
        #expect((escaped?.description.count ?? 1000) < 200)
    }

    @Test("a real serve answers changes since a generation, pages, and 400 with the reason for a bad query")
    func overHTTP() async throws {
        let demo = try await DemoEnvironment.start(DemoServerOptions())
        do {
            try await checkListing(demo)
            await demo.shutdown()
        } catch {
            await demo.shutdown()
            throw error
        }
    }

    private func checkListing(_ demo: DemoEnvironment) async throws {
        // Without resource-uri a snapshot changes only when a token does: the changes are exact.
        var clients = demo.configuration().clients.map { client in
            var quiet = client
            quiet.resourceURI = nil
            return quiet
        }
        // A name with every character a query gives a meaning to, to page after.
        clients[1].name = "team a&b=c+d/e?f#g%20"
        let names = clients.map(\.name)
        try await withServe(clients: clients, allowActions: true) { serve in
            var everything: [String: Any] = [:]
            try await eventually("every client listed with a verdict") {
                everything = try await HTTP.get(serve.url("api/v1/clients")).json
                let clients = everything["clients"] as? [[String: Any]] ?? []
                return clients.count == demo.clients.count && clients.allSatisfy { $0["verdict"] as? String != "pending" }
            }
            let instance = try #require(everything["instance"] as? String)
            #expect(everything["complete"] as? Bool == true)

            // From generation 0, every client, as its name and snapshot.
            let all = try await HTTP.get(serve.url("api/v1/clients").appending(queryItems: [.init(name: "since", value: "0")]))
            let allDocument = all.json
            let allClients = try #require(allDocument["clients"] as? [[String: Any]])
            #expect(allClients.compactMap { $0["name"] as? String } == names)
            #expect(allClients.allSatisfy { Set($0.keys) == ["name", "snapshot", "logs"] })
            #expect(allDocument["removed"] as? [String] == [])
            #expect(allDocument["instance"] as? String == instance)

            // Nothing changes for a client whose token stands; a manual refresh is one change.
            var generation = try #require(allDocument["generation"] as? Int)
            try await eventually("the listing at rest") {
                let answer = try await HTTP.get(
                    serve.url("api/v1/clients").appending(queryItems: [.init(name: "since", value: "\(generation)")]))
                let changed = answer.json["clients"] as? [[String: Any]] ?? []
                generation = answer.json["generation"] as? Int ?? generation
                return changed.isEmpty
            }
            #expect(try await HTTP.post(serve.url("api/v1/clients/mod-client/refresh")).status == 200)
            var changed: [String] = []
            var sentHistory: [[String: Any]] = []
            var historyWindow: [String: Any] = [:]
            var sentWhole: [String] = []
            try await eventually("the refresh shows as a change of mod-client alone") {
                let answer = try await HTTP.get(
                    serve.url("api/v1/clients").appending(queryItems: [.init(name: "since", value: "\(generation)")]))
                let entries = answer.json["clients"] as? [[String: Any]] ?? []
                changed += entries.compactMap { $0["name"] as? String }
                generation = answer.json["generation"] as? Int ?? generation
                sentWhole += entries.filter { $0["snapshot"] != nil }.compactMap { $0["name"] as? String }
                for entry in entries where entry["name"] as? String == "mod-client" {
                    sentHistory = (entry["changed"] as? [String: Any])?["history"] as? [[String: Any]] ?? []
                    historyWindow = (entry["logs"] as? [String: Any])?["history"] as? [String: Any] ?? [:]
                }
                return sentHistory.contains { $0["reason"] as? String == "manual" }
            }
            #expect(Set(changed) == ["mod-client"], "\(changed)")
            // The watcher holds mod-client: only the fields that changed crossed, never its whole snapshot.
            #expect(sentWhole.isEmpty, "\(sentWhole)")
            // Of its history only the new record crossed: the start-up fetch was sent before.
            #expect(sentHistory.count == 1, "\(sentHistory)")
            let window = (historyWindow["start"] as? Int ?? 0)..<(historyWindow["end"] as? Int ?? 0)
            #expect(window.count >= 2, "\(historyWindow)")
            let snapshot = try await serve.manager.snapshot().clients.first { $0.name == "mod-client" }
            #expect(snapshot?.history.last?.reason == .manual)

            // Pages of one, as --attach reads them (its names escaped), list every client once, in order.
            let transport = HTTPTransport()
            let fleet = RemoteFleet(
                instances: [try FleetInstance(attach: serve.baseURL.absoluteString)], authToken: nil, transport: transport,
                pageSize: 1)
            let label = fleet.instances[0].label
            // A poll gives up on an instance after 5 s; on a loaded machine (CI runs tests side by side)
            // six pages of a debug build can take longer. The paging is what is checked here, so a
            // timed-out poll is tried again, twice at most; any other failure is not.
            var rows = await fleet.poll().clients
            for _ in 0..<2 where rows.contains(where: { $0.instanceFailure?.contains("no answer within") == true }) {
                rows = await fleet.poll().clients
            }
            await transport.shutdown()
            // An instance that could not be read is one row saying why: say it when it happens.
            #expect(rows.map(\.name) == names.map { "\(label)/\($0)" }, "\(rows.compactMap(\.instanceFailure))")

            for (query, reason) in [
                ("since=-1", "since=-1: expected a generation"), ("since=99999999999999999999", "expected a generation"),
                ("limit=1e9", "limit=1e9: expected a whole number from 1 to 10000"), ("limit=0", "limit=0"),
                ("after=nobody", "after=nobody: no client of that name"), ("since=1&since=2", "since is given more than once"),
            ] {
                let answer = try await HTTP.get(
                    try #require(URL(string: serve.url("api/v1/clients").absoluteString + "?" + query)))
                #expect(answer.status == 400, "\(query)")
                #expect(answer.json["error"] as? String == "invalid_request")
                #expect((answer.json["error_description"] as? String)?.contains(reason) == true, "\(query): \(answer.text)")
            }
        }
    }
}
