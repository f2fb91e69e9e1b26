import Foundation
import Testing
import TokenModel

@testable import Dashboard

@Suite("Clients grouped by issuer or instance")
struct GroupingTests {
    let renderer = Renderer()
    let handler = InputHandler()

    func frame(_ snapshot: ManagerSnapshot, state: ViewState, columns: Int, rows: Int) -> Frame {
        renderer.render(
            snapshot, state: state, size: TerminalSize(columns: columns, rows: rows), now: Fixtures.now,
            context: Fixtures.context())
    }

    func grouped(selected: String? = nil) -> ViewState {
        var state = ViewState(selectedClient: selected)
        state.isGrouped = true
        return state
    }

    func rows(_ frame: Frame) -> [String] { (0..<frame.height).map { frame.text(ofRow: $0) } }

    @Test("I groups the table and says by what; I again ungroups it")
    func toggle() {
        var state = ViewState()
        _ = handler.handle(.character("I"), state: &state, snapshot: Fixtures.fleetSnapshot(), now: Fixtures.now)
        #expect(state.isGrouped)
        #expect(state.footerMessage?.text == "Grouped by issuer")
        _ = handler.handle(.character("I"), state: &state, snapshot: Fixtures.fleetSnapshot(), now: Fixtures.now)
        #expect(!state.isGrouped)
        #expect(state.footerMessage?.text == "Ungrouped")
        _ = handler.handle(.character("I"), state: &state, snapshot: Fixtures.attachedSnapshot(), now: Fixtures.now)
        #expect(state.footerMessage?.text == "Grouped by instance")
    }

    @Test("grouped, j and k walk each group's clients in turn, in the sort's order within a group")
    func selectionWalksGroups() {
        let snapshot = Fixtures.fleetSnapshot()
        let names = ClientList.visible(snapshot, state: grouped(), now: Fixtures.now).map(\.name)
        #expect(
            names == [
                "billing-api", "inventory", "legacy-batch", "orders", "partner-sso", "reports", "search-edge", "webhooks",
                "billing-batch", "inventory-feed", "ledger", "orders-sync",
            ])
        var state = grouped(selected: "webhooks")
        _ = handler.handle(.character("j"), state: &state, snapshot: snapshot, now: Fixtures.now)
        #expect(state.selectedClient == "billing-batch", "from the last of one group to the first of the next")
        var byStatus = grouped()
        byStatus.sort = .status
        #expect(
            ClientList.visible(snapshot, state: byStatus, now: Fixtures.now).prefix(5).map(\.name) == [
                "billing-batch", "inventory-feed", "ledger", "orders-sync", "partner-sso",
            ], "sorted by status, the group of the worst client comes first, whole")
    }

    @Test("a failure every client of a group shares is cut where their own words begin; different ones are not shared")
    func sharedFailure() {
        let shared = ClientGroups.sharedFailure([
            HealthVerdict(.error, "token request failed: connection refused (nothing listens there); next try in 3s"),
            HealthVerdict(.error, "token request failed: connection refused (nothing listens there); next try in 5s"),
        ])
        #expect(shared == HealthVerdict(.error, "token request failed: connection refused (nothing listens there)"))
        #expect(
            ClientGroups.sharedFailure([HealthVerdict(.error, "a; b"), HealthVerdict(.error, "a; b")])
                == HealthVerdict(.error, "a; b"))
        #expect(
            ClientGroups.sharedFailure([
                HealthVerdict(.error, "token request failed: timeout"), HealthVerdict(.error, "token request failed: refused"),
            ]) == nil,
            "a common start that is not a whole clause is no shared failure")
        #expect(ClientGroups.sharedFailure([HealthVerdict(.error, "x"), HealthVerdict(.degraded, "x")]) == nil)
        #expect(ClientGroups.sharedFailure([HealthVerdict(.ok, "valid"), HealthVerdict(.ok, "valid")]) == nil)
        #expect(ClientGroups.sharedFailure([HealthVerdict(.error, "x")]) == nil, "one client is no group to share with")
        #expect(ClientGroups.ownWords(of: "a; next try in 3s", after: "a") == "next try in 3s")
    }

    @Test("each group has a header rolling it up, and a failure its clients share shows once, with the count")
    func headerAndBanner() throws {
        let lines = rows(frame(Fixtures.fleetSnapshot(), state: grouped(), columns: 120, rows: 40))
        let header = try #require(lines.first { $0.contains(Fixtures.downIssuer) })
        #expect(header.contains("\(Fixtures.downIssuer) · 4 clients · ✘ 4 error"))
        #expect(lines.contains { $0.contains("\(Fixtures.healthyIssuer) · 8 clients · ✔ 4 ok") })
        let banner = try #require(
            lines.firstIndex { $0.contains("✘ all 4: token request failed: connection refused (nothing listens there)") })
        #expect(lines[banner - 1] == header, "the banner is right under its group's header")
        let ledger = try #require(lines.first { $0.contains("ledger") })
        #expect(!ledger.contains("connection refused"), "the banner says it; the row does not repeat it")
        #expect(ledger.contains("↑ next try in 5s"), "the row keeps its own words")
        #expect(lines.filter { $0.contains("connection refused") }.count == 1)
    }

    @Test("the grouped view reads well at 60×15, 80×24 and 120×40", arguments: [(60, 15), (80, 24), (120, 40)])
    func groupedSnapshots(size: (Int, Int)) {
        expectSnapshot(
            frame(Fixtures.fleetSnapshot(), state: grouped(selected: "ledger"), columns: size.0, rows: size.1),
            named: "grouped-\(size.0)x\(size.1)")
    }

    @Test("a click on a group's header selects nothing; a click on a grouped row selects its client")
    func clicks() {
        let snapshot = Fixtures.fleetSnapshot()
        var state = grouped(selected: "billing-api")
        let size = TerminalSize(columns: 120, rows: 40)
        let layout = renderer.layout(snapshot, state: state, size: size, now: Fixtures.now, context: Fixtures.context())
        _ = handler.handle(
            .mouse(MouseEvent(.left, column: 20, row: 2)), state: &state, snapshot: snapshot, now: Fixtures.now, layout: layout)
        #expect(state.selectedClient == "billing-api", "row 2 is the first group's header")
        _ = handler.handle(
            .mouse(MouseEvent(.left, column: 20, row: 4)), state: &state, snapshot: snapshot, now: Fixtures.now, layout: layout)
        #expect(state.selectedClient == "inventory", "row 4 is the group's second client")
        let text = rows(frame(snapshot, state: state, columns: 120, rows: 40))
        #expect(text[4].hasPrefix("▶"), "the selected row is where it was clicked")
    }

    @Test("attached rows name the instance in a column of its own, and group by instance")
    func attached() throws {
        let snapshot = Fixtures.attachedSnapshot()
        let flat = rows(frame(snapshot, state: ViewState(), columns: 120, rows: 40))
        #expect(flat[1].contains("INSTANCE"))
        let billing = try #require(flat.first { $0.contains("billing-api") })
        #expect(billing.contains("127.0.0.1:9464"))
        #expect(!billing.contains("127.0.0.1:9464/billing-api"), "the name is the client's name on its instance")
        let groupedRows = rows(frame(snapshot, state: grouped(), columns: 120, rows: 40))
        #expect(!groupedRows[1].contains("INSTANCE"), "grouped, each header names the instance")
        #expect(groupedRows.contains { $0.contains("127.0.0.1:9464 · 3 clients") })
        #expect(groupedRows.contains { $0.contains("10.0.4.17:9464 · 1 client · ✘ 1 error") })
    }
}
