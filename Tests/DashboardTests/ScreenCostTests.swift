import DashboardCaptures
import Foundation
import Testing
import TokenModel

@testable import Dashboard

/// A frame costs what its visible rows cost: the lines a frame makes (table rows, pane lines,
/// screen lines, help entries) are the same for a fleet of 10,000 as for 100, on every screen.
/// Counted, not timed; `Benchmarks/` times the same frames.
@Suite("A frame makes its visible rows, not the fleet's")
struct ScreenCostTests {
    let renderer = Renderer()
    static let size = TerminalSize(columns: 120, rows: 40)
    static let selected = "client-00050"

    /// `count` JWT clients, client `i` watching issuer `i % issuers`'s key set (five keys, three
    /// changes, each client's copy fetched at its own time; one key retired under some tokens),
    /// and the manager's full event log of 1,000 events.
    static func fleet(clients count: Int, issuers: Int) -> ManagerSnapshot {
        let clients = (0..<count).map { index -> ClientSnapshot in
            let name = String(format: "client-%05d", index)
            let fetched = -Double(index % 300)
            let source = "https://issuer-\(index % issuers).example.com/keys"
            let keys = (1...5).map {
                PublishedKey(
                    kid: "key-\($0)", type: "RSA 2048", algorithm: "RS256", use: "sig",
                    firstSeen: Fixtures.at(-3600 + Double($0 * 60) + fetched), lastSeen: Fixtures.at(fetched))
            }
            let changes = [
                KeySetChange(kind: .added, kid: "key-5", at: Fixtures.at(-3300 + fetched)),
                KeySetChange(kind: .removed, kid: "key-0", at: Fixtures.at(-3000)),
                KeySetChange(kind: .added, kid: "key-4", at: Fixtures.at(-3400)),
            ]
            return ClientSnapshot(
                name: name, state: .valid,
                token: Fixtures.diagnosis.token(
                    name, kid: index % 7 == 0 ? "key-0" : "key-\(1 + index % 5)", scopes: ["custom_mod"]),
                responses: Fixtures.responses(count: 3, body: #"{"message":"hello"}"#), configuredScopes: ["custom_mod"],
                resourceURI: "http://127.0.0.1:8081/mod",
                keySet: KeySetStatus(
                    source: source, keys: keys, changes: changes, fetchedAt: Fixtures.at(fetched), maxAge: .seconds(300)))
        }
        let events = (0..<1_000).map { step in
            let at = Fixtures.at(-Double(1_000 - step))
            let kind: ManagerEvent.Kind =
                switch step % 3 {
                case 0: .tokenFetched(reason: .scheduled, latency: .milliseconds(60), expiresAt: at.addingTimeInterval(3600))
                case 1:
                    .resourceCalled(
                        ResourceResponse(status: step % 2 == 0 ? 200 : 503, latency: .milliseconds(9), at: at, bodyExcerpt: ""))
                default:
                    .keySetChanged(
                        source: "https://issuer-0.example.com/keys",
                        change: KeySetChange(kind: .added, kid: "key-\(step)", at: at))
                }
            return ManagerEvent(at: at, client: clients[(step * 7) % count].name, kind: kind)
        }
        return ManagerSnapshot(generation: 1, takenAt: Fixtures.now, clients: clients, recentEvents: events)
    }

    /// Each screen, with the client selected: the list with its pane, the zoomed client, the
    /// key sets, the event log, and help over the list.
    static let screens: [String: ViewState] = {
        let list = ViewState(selectedClient: selected)
        var zoom = list
        zoom.isZoomed = true
        var keySets = list
        keySets.screen = .keySets
        var events = list
        events.screen = .events
        var help = list
        help.isHelpVisible = true
        return ["list": list, "zoom": zoom, "key sets": keySets, "event log": events, "help": help]
    }()

    func linesMade(_ snapshot: ManagerSnapshot, _ screen: String) -> Int {
        renderer.draw(snapshot, state: Self.screens[screen]!, size: Self.size, now: Fixtures.now, context: Fixtures.context())
            .linesMade
    }

    @Test(
        "every screen makes as many lines at 10,000 clients as at 100, on one issuer or an issuer for every two clients",
        arguments: ["list", "zoom", "key sets", "event log", "help"], [true, false])
    func linesDoNotGrowWithTheFleet(screen: String, oneIssuer: Bool) {
        let small = linesMade(Self.fleet(clients: 100, issuers: oneIssuer ? 1 : 50), screen)
        let large = linesMade(Self.fleet(clients: 10_000, issuers: oneIssuer ? 1 : 5_000), screen)
        #expect(large == small, "\(screen): \(large) lines at 10,000 clients, \(small) at 100")
        // The selected client's pane (a few dozen lines) and the rows of one screen at most, doubled for help over the list.
        #expect(large <= 2 * Self.size.rows + 50, "\(screen): \(large) lines for a \(Self.size.rows)-row screen")
    }

    @Test("the key-set screen of 10,000 clients on one issuer lists its keys, their signers and changes, and counts its users")
    func oneBusyIssuer() throws {
        let snapshot = Self.fleet(clients: 10_000, issuers: 1)
        var state = ViewState(selectedClient: Self.selected)
        state.screen = .keySets
        let frame = renderer.render(snapshot, state: state, size: Self.size, now: Fixtures.now, context: Fixtures.context())
        let rows = (0..<frame.height).map { frame.text(ofRow: $0) }
        #expect(rows[1].contains("1 issuer"))
        #expect(rows.contains { $0.hasPrefix(" Used by     client-00000, client-00001, client-00002") })
        // client-00050 is signed by key-1 (50 % 5 = 0), with every fifth client not on key-0.
        #expect(rows.contains { $0.hasPrefix(" ▶ key-1 ") && $0.contains("client-00005, client-00010, client-00015") })
        #expect(rows.contains { $0.hasPrefix("   key-0 ") && $0.contains("no longer published; client-00000, client-00007") })
        #expect(rows.contains { $0.contains("- removed key-0") })
        #expect(Renderer.screenLineCount(snapshot, state: state, now: Fixtures.now) == 1 + 5 + 5 + 1 + 1 + 3)
    }

    @Test("a screen of more lines than rows says how many are below, every issuer counted")
    func manyIssuers() {
        let snapshot = Self.fleet(clients: 10_000, issuers: 5_000)
        var state = ViewState(selectedClient: Self.selected)
        state.screen = .keySets
        // The selected client's line, then per issuer: blank, source, fetched, used by, titles, 5 keys, changes and 3 changes;
        // issuers of a client signed by key-0 (every seventh) have a retired line too.
        let retired = Set((0..<10_000).filter { $0 % 7 == 0 }.map { $0 % 5_000 }).count
        let total = 1 + 5_000 * 14 + retired
        #expect(Renderer.screenLineCount(snapshot, state: state, now: Fixtures.now) == total)
        let frame = renderer.render(snapshot, state: state, size: Self.size, now: Fixtures.now, context: Fixtures.context())
        #expect(frame.text(ofRow: 38).contains("\(total - 36) more"), "\(frame.text(ofRow: 38))")
    }

    @Test("a list of names stops a little past any terminal's width and says how many more")
    func nameList() {
        let clients = (0..<10_000).map { String(format: "client-%05d", $0) }
        let names = Renderer.names(clients)
        #expect(names.hasPrefix("client-00000, client-00001"))
        #expect(names.columnWidth < Renderer.widestNameList + 40)
        let shown = names.components(separatedBy: ", ").count
        #expect(names.hasSuffix(" and \(10_000 - shown) more"))
        #expect(Renderer.names(Array(clients.prefix(3))) == "client-00000, client-00001, client-00002")
    }
}
