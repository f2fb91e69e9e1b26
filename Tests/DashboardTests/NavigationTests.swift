import Dashboard
import Foundation
import Testing
import TokenModel

/// Zoom, sorting, layout and the mouse, as the pure reducer takes them: each event is given
/// the layout the renderer computes for the screen it was made on.
@Suite("Zoom, sorting, layout and the mouse")
struct NavigationTests {
    let handler = InputHandler()
    let renderer = Renderer()
    let snapshot = Fixtures.longBodySnapshot()
    let size = TerminalSize(columns: 80, rows: 24)

    func layout(_ state: ViewState, _ snapshot: ManagerSnapshot? = nil, size: TerminalSize? = nil) -> ScreenLayout {
        renderer.layout(
            snapshot ?? self.snapshot, state: state, size: size ?? self.size, now: Fixtures.now, context: Fixtures.context())
    }

    /// Each event on the screen as the state before it draws it, as the driver does.
    @discardableResult
    func send(_ events: [InputKey], state: inout ViewState, snapshot: ManagerSnapshot? = nil, size: TerminalSize? = nil)
        -> [KeyOutcome]
    {
        events.map { event in
            let layout = layout(state, snapshot, size: size)
            return handler.handle(event, state: &state, snapshot: snapshot ?? self.snapshot, now: Fixtures.now, layout: layout)
        }
    }

    @Test("the event log scrolls to its oldest line and no further: the next key moves what is drawn")
    func eventLogScrollLimit() {
        var snapshot = Fixtures.snapshot()
        snapshot.recentEvents = (0..<100).map { index in
            ManagerEvent(
                at: Fixtures.now.addingTimeInterval(Double(index - 100)), client: "billing-api",
                kind: .operatorAction(
                    ActionRecord(
                        action: .refresh, client: "billing-api", at: Fixtures.now, succeeded: true, outcome: "event \(index)")))
        }
        var state = ViewState()
        state.screen = .events
        send([.character("g")], state: &state, snapshot: snapshot)
        // 24 rows: header, title, footer, and the note row: 20 lines drawn, 80 above them.
        #expect(state.screenScroll == 80)
        let oldest = renderer.render(snapshot, state: state, size: size, now: Fixtures.now, context: Fixtures.context()).text
        #expect(oldest.contains("event 0"))
        send([.down], state: &state, snapshot: snapshot)
        #expect(state.screenScroll == 79)
        let next = renderer.render(snapshot, state: state, size: size, now: Fixtures.now, context: Fixtures.context()).text
        #expect(!next.contains("event 0 ") && next.contains("event 20"))
    }

    /// The cell column where `text` starts in a row (every character of these rows is one cell).
    static func column(of text: String, in row: String) -> Int {
        row.unicodeScalars.count - row[row.range(of: text)!.lowerBound...].unicodeScalars.count
    }

    func click(_ column: Int, _ row: Int) -> InputKey { .mouse(MouseEvent(.left, column: column, row: row)) }
    func wheelDown(_ column: Int, _ row: Int) -> InputKey { .mouse(MouseEvent(.wheelDown, column: column, row: row)) }
    func wheelUp(_ column: Int, _ row: Int) -> InputKey { .mouse(MouseEvent(.wheelUp, column: column, row: row)) }

    // MARK: Zoom

    @Test("Enter zooms into the selected client, j/k then scroll its lines, Esc comes back")
    func zoom() {
        var state = ViewState(selectedClient: "billing-api", tab: .responses)
        send([.enter], state: &state)
        #expect(state.isZoomed)
        #expect(state.selectedClient == "billing-api")
        send([.character("j"), .down, .character("j")], state: &state)
        #expect(state.detailScroll == 3, "j and ↓ scroll the zoomed lines")
        #expect(state.selectedClient == "billing-api", "instead of choosing another client")
        send([.character("k")], state: &state)
        #expect(state.detailScroll == 2)
        send([.character("g")], state: &state)
        #expect(state.detailScroll == 0)
        send([.escape], state: &state)
        #expect(!state.isZoomed)
        #expect(state.detailScroll == 0)
        send([.character("j")], state: &state)
        #expect(state.selectedClient == "inventory", "out of the zoom, j moves the selection again")
    }

    @Test("in the zoom, G and PgDn stop at the last line, and Enter toggles back")
    func zoomScrollBounds() {
        var state = ViewState(selectedClient: "billing-api", tab: .responses)
        send([.enter], state: &state)
        let maximum = layout(state).maximumDetailScroll
        #expect(maximum > 0, "four answers with their whole bodies do not fit 80×24")
        send([.character("G")], state: &state)
        #expect(state.detailScroll == maximum)
        send([.pageDown, .down, .character("j")], state: &state)
        #expect(state.detailScroll == maximum, "scrolling never runs past the end")
        send([.pageUp], state: &state)
        #expect(state.detailScroll < maximum && state.detailScroll < maximum - 10, "a page is the zoomed view's height")
        send([.enter], state: &state)
        #expect(!state.isZoomed)
    }

    @Test("Enter with no client shown says so instead of zooming")
    func zoomWithoutClient() {
        var state = ViewState()
        state.filterText = "nothing-matches"
        send([.enter], state: &state)
        #expect(!state.isZoomed)
        #expect(state.footerMessage == FooterMessage("No client selected", isError: true))
    }

    @Test("the Esc that leaves the zoom keeps the filter; the next one clears it")
    func escLeavesZoomFirst() {
        var state = ViewState(selectedClient: "inventory")
        state.filterText = "in"
        send([.enter, .escape], state: &state)
        #expect(!state.isZoomed)
        #expect(state.filterText == "in")
        send([.escape], state: &state)
        #expect(state.filterText.isEmpty)
    }

    // MARK: Sorting and layout

    @Test("s cycles name, expiry and status; S reverses the order; the footer says which")
    func sorting() {
        var state = ViewState()
        func names() -> [String] { ClientList.visible(snapshot, state: state, now: Fixtures.now).map(\.name) }
        #expect(names().first == "billing-api")
        send([.character("S")], state: &state)
        #expect(state.isSortReversed)
        #expect(names().first == "webhooks", "Z to A")
        #expect(state.footerMessage?.text == "Sorted by name, reversed")
        send([.character("S"), .character("s")], state: &state)
        #expect(state.sort == .expiry)
        #expect(names().prefix(2) == ["orders", "legacy-batch"], "the soonest expiry first")
        send([.character("S")], state: &state)
        #expect(names().suffix(2).reversed() == ["orders", "legacy-batch"])
        #expect(state.footerMessage?.text == "Sorted by expiry, reversed")
        send([.character("s")], state: &state)
        #expect(state.sort == .status)
        send([.character("s")], state: &state)
        #expect(state.sort == .name)
    }

    @Test("z gives the screen to the list, then to the pane, then shares it again")
    func layoutCycle() {
        var state = ViewState()
        #expect(state.paneLayout == .shared)
        send([.character("z")], state: &state)
        #expect(state.paneLayout == .list)
        #expect(state.footerMessage?.text == "Layout: the list on the whole screen")
        send([.character("z")], state: &state)
        #expect(state.paneLayout == .pane)
        send([.character("z")], state: &state)
        #expect(state.paneLayout == .shared)
    }

    @Test("the new actions can be rebound under keys:, and Enter is then free")
    func rebinding() throws {
        let keyMap = try KeyMap(bindings: ["zoom": "o", "reverse-sort": "O", "layout": "Z"])
        let handler = InputHandler(keyMap: keyMap)
        var state = ViewState()
        _ = handler.handle(.character("o"), state: &state, snapshot: snapshot, now: Fixtures.now)
        #expect(state.isZoomed)
        _ = handler.handle(.enter, state: &state, snapshot: snapshot, now: Fixtures.now)
        #expect(state.isZoomed, "Enter no longer zooms")
        _ = handler.handle(.character("O"), state: &state, snapshot: snapshot, now: Fixtures.now)
        #expect(state.isSortReversed)
        _ = handler.handle(.character("Z"), state: &state, snapshot: snapshot, now: Fixtures.now)
        #expect(state.paneLayout == .list)
    }

    // MARK: Mouse

    @Test("a click on a row selects that client, on a tab opens it")
    func clicks() {
        var state = ViewState()
        let frame = renderer.render(snapshot, state: state, size: size, now: Fixtures.now, context: Fixtures.context())
        let ordersRow = (0..<frame.height).first { frame.text(ofRow: $0).contains("orders") }!
        send([click(30, ordersRow)], state: &state)
        #expect(state.selectedClient == "orders")
        let tabRow = (0..<frame.height).first { frame.text(ofRow: $0).contains("3 Responses") }!
        let column = Self.column(of: "Responses", in: frame.text(ofRow: tabRow))
        send([click(column + 2, tabRow)], state: &state)
        #expect(state.tab == .responses)
        send([click(column + 2, 0), click(70, tabRow)], state: &state)
        #expect(
            state.tab == .responses && state.selectedClient == "orders", "a click on the header or the bare border does nothing")
    }

    @Test("the wheel over the list moves the selection; over the pane it scrolls the pane, within its lines")
    func wheel() {
        var state = ViewState(selectedClient: "billing-api", tab: .token)
        send([wheelDown(20, 3), wheelDown(20, 3)], state: &state)
        #expect(state.selectedClient == "legacy-batch")
        send([wheelUp(20, 3)], state: &state)
        #expect(state.selectedClient == "inventory")
        state.selectedClient = "billing-api"
        let pane = layout(state)
        let paneRow = 20
        #expect(pane.region(column: 10, row: paneRow) == .detail)
        send([wheelDown(10, paneRow)], state: &state)
        #expect(state.detailScroll == InputHandler.wheelLines)
        send(Array(repeating: wheelDown(10, paneRow), count: 10), state: &state)
        #expect(state.detailScroll == pane.maximumDetailScroll, "the wheel stops at the last line")
        send([wheelUp(10, paneRow)], state: &state)
        #expect(state.detailScroll == pane.maximumDetailScroll - InputHandler.wheelLines)
        #expect(state.selectedClient == "billing-api")
    }

    @Test("a click on a row scrolled into view selects the client drawn there, with 30 clients")
    func clickScrolledList() {
        let many = Fixtures.manyClients(30)
        var state = ViewState(selectedClient: "client-0020")
        let frame = renderer.render(many, state: state, size: size, now: Fixtures.now, context: Fixtures.context())
        let row = (0..<frame.height).first { frame.text(ofRow: $0).contains("client-0017") }!
        send([click(20, row)], state: &state, snapshot: many)
        #expect(state.selectedClient == "client-0017")
    }

    @Test("with help open the wheel scrolls it and a click closes it; a question ignores the mouse")
    func mouseOverOverlays() {
        var state = ViewState()
        state.isHelpVisible = true
        send([wheelDown(40, 10), wheelDown(40, 10), wheelUp(40, 10)], state: &state)
        #expect(state.helpScroll == 1)
        send([click(40, 10)], state: &state)
        #expect(!state.isHelpVisible)
        state.pendingConfirmation = .revoke(client: "billing-api")
        send([click(20, 4), wheelDown(20, 4)], state: &state)
        #expect(state.pendingConfirmation == .revoke(client: "billing-api"), "only a key answers")
        #expect(state.selectedClient == nil)
    }

    @Test("a mouse event without a layout is ignored")
    func mouseWithoutLayout() {
        var state = ViewState()
        #expect(handler.handle(click(20, 3), state: &state, snapshot: snapshot, now: Fixtures.now) == .none)
        #expect(state == ViewState())
    }

    @Test("the layout's regions: rows, tabs, pane; the zoomed view has no rows")
    func regions() {
        let shared = ScreenLayout(size: size, clientCount: 8, selected: 0, paneLines: 16, paneLayout: .shared, zoomed: false)
        #expect(shared.region(column: 20, row: 2) == .client(0))
        #expect(shared.region(column: 20, row: 9) == .client(7))
        #expect(shared.region(column: 3, row: 10) == .tab(.token))
        #expect(shared.region(column: 40, row: 11) == .detail)
        #expect(shared.region(column: 40, row: 23) == .elsewhere, "the footer")
        let zoomed = ScreenLayout(size: size, clientCount: 8, selected: 0, paneLines: 16, paneLayout: .shared, zoomed: true)
        #expect(zoomed.region(column: 20, row: 2) == .detail)
        #expect(zoomed.region(column: 3, row: 1) == .tab(.token))
        let list = ScreenLayout(size: size, clientCount: 30, selected: 0, paneLines: 16, paneLayout: .list, zoomed: false)
        #expect(list.region(column: 20, row: 22) == .client(20))
    }
}
