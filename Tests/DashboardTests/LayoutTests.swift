import Dashboard
import Foundation
import Testing
import TokenModel

/// How the screen is shared, zoomed and sorted, and what the countdown bar says.
@Suite("Layout, zoom, sorting and the countdown bar as drawn")
struct LayoutTests {
    let renderer = Renderer()

    func frame(
        _ snapshot: ManagerSnapshot, state: ViewState, columns: Int = 80, rows: Int = 24, now: Date = Fixtures.now,
        context: ScreenContext = Fixtures.context()
    ) -> Frame {
        renderer.render(snapshot, state: state, size: TerminalSize(columns: columns, rows: rows), now: now, context: context)
    }

    func rows(_ frame: Frame, containing text: String) -> [Int] {
        (0..<frame.height).filter { frame.text(ofRow: $0).contains(text) }
    }

    // MARK: Sharing the height

    @Test("with 30 clients the list gets the rows and the pane what it needs", arguments: [(80, 24), (120, 40)])
    func thirtyClients(size: (Int, Int)) {
        let state = ViewState(selectedClient: "client-0000", tab: .token)
        let frame = frame(Fixtures.manyClients(30), state: state, columns: size.0, rows: size.1)
        expectSnapshot(frame, named: "layout-30-clients-\(size.0)x\(size.1)")
        let tabBar = rows(frame, containing: "[1 Token]")[0]
        let clientRows = tabBar - 2
        let paneRows = size.1 - 1 - tabBar - 1
        #expect(clientRows >= (size.1 - 4) / 2, "the list gets at least half")
        #expect(clientRows + paneRows == size.1 - 4)
        // The Token tab of a healthy client needs 13 lines: at 120×40 it gets them all.
        if size.1 == 40 { #expect(paneRows == 13 && !frame.text.contains("more (PgDn)")) }
        #expect(frame.text(ofRow: 1).hasSuffix("\u{2193} \(30 - clientRows) more "), "the column titles count the clients below")
    }

    @Test("with few clients the list shows them all and the pane takes the rest")
    func fewClients() {
        let frame = frame(Fixtures.snapshot(), state: ViewState(selectedClient: "billing-api"), columns: 120, rows: 40)
        #expect(rows(frame, containing: "[1 Token]") == [10], "eight rows, then the tabs")
        #expect(!frame.text(ofRow: 1).contains("more"))
    }

    @Test("scrolled to the middle, the column titles count the clients on both sides")
    func hiddenBothSides() {
        let frame = frame(Fixtures.manyClients(30), state: ViewState(selectedClient: "client-0015"))
        let titles = frame.text(ofRow: 1)
        #expect(titles.contains(/↑ ?\d+.* ↓ ?\d+/), "\(titles)")
        #expect(rows(frame, containing: "▶")[0] > 2, "the selection is not at the edge")
    }

    @Test("z: the list on the whole screen, then the pane under the selected row", arguments: [PaneLayout.list, .pane])
    func wholeScreen(layout: PaneLayout) {
        var state = ViewState(selectedClient: "client-0003", tab: .token)
        state.paneLayout = layout
        let frame = frame(Fixtures.manyClients(30), state: state)
        expectSnapshot(frame, named: "layout-\(layout.rawValue)-80x24")
        switch layout {
        case .list:
            #expect(rows(frame, containing: "client-00").count == 21)
            #expect(frame.text(ofRow: 1).hasSuffix("↓ 9 more "))
            #expect(rows(frame, containing: "1 Token").isEmpty, "no pane, no tabs")
        default:
            #expect(rows(frame, containing: "client-0003") == [2, 3], "the row and the tab bar's title")
            #expect(rows(frame, containing: "▶") == [2])
            #expect(frame.text(ofRow: 1).hasSuffix("↑3 ↓26 "), "the short form where the long one does not fit")
            #expect(frame.text.contains("Refresh at"))
        }
    }

    // MARK: Zoom

    @Test("zoomed, an answer's whole body is there, wrapped; nothing ends in …", arguments: [(80, 24), (120, 40)])
    func zoomedResponses(size: (Int, Int)) {
        var state = ViewState(selectedClient: "billing-api", tab: .responses)
        state.isZoomed = true
        let frame = frame(Fixtures.longBodySnapshot(), state: state, columns: size.0, rows: size.1)
        expectSnapshot(frame, named: "zoom-responses-\(size.0)x\(size.1)")
        #expect(rows(frame, containing: "billing-api 1/8").count == 1)
        #expect(frame.text.contains("Esc back"))
        #expect(!frame.text.contains("STATUS"), "no table when zoomed")
        let words = frame.text.split(whereSeparator: { $0 == " " || $0.isNewline })
        #expect(words.contains("\"0oabcd\""), "the distinctive end of the body is shown")
        #expect(frame.text.contains("likely to run in, to show that nothing is cut") || frame.text.contains("nothing is cut"))
        for row in 2..<(size.1 - 1) { #expect(!frame.text(ofRow: row).contains("…"), "row \(row) is cut") }
    }

    @Test("zoomed claims and history wrap their long values instead of cutting them")
    func zoomedClaimsAndHistory() {
        var state = ViewState(selectedClient: "billing-api", tab: .claims)
        state.isZoomed = true
        let claims = frame(Fixtures.snapshot(), state: state, columns: 60, rows: 24)
        expectSnapshot(claims, named: "zoom-claims-60x24")
        state.detailScroll = 100
        let claimsEnd = frame(Fixtures.snapshot(), state: state, columns: 60, rows: 24)
        #expect(claimsEnd.text.contains("\"region\" : \"eu-west-1\""), "the tenant claim's end can be scrolled to")
        #expect(claimsEnd.text.contains("above (PgUp)"))
        state.detailScroll = 0
        state.tab = .history
        let history = frame(Fixtures.snapshot(), state: state, columns: 80, rows: 24)
        expectSnapshot(history, named: "zoom-history-80x24")
        #expect(history.text.contains("maintenance"))
        #expect(!history.text.contains("…"))
    }

    @Test("zoomed and scrolled, the pane says what is above and the help reaches every line")
    func zoomedScrolled() {
        var state = ViewState(selectedClient: "billing-api", tab: .responses)
        state.isZoomed = true
        state.detailScroll = 1000
        let frame = frame(Fixtures.longBodySnapshot(), state: state)
        #expect(frame.text(ofRow: 22).contains("above"))
        #expect(frame.text.contains("}"), "the last body's last line is reachable")
    }

    @Test("zoomed, a hostile body still reaches no cell as a control character", arguments: DetailTab.allCases)
    func zoomedHostile(tab: DetailTab) {
        var state = ViewState(selectedClient: "evil", tab: tab)
        state.isZoomed = true
        let frame = frame(Fixtures.hostileSnapshot(), state: state, columns: 120, rows: 40)
        for cell in frame.cells {
            #expect(
                cell.scalar.value >= 0x20 && !(0x7F..<0xA0).contains(cell.scalar.value),
                "control U+\(String(cell.scalar.value, radix: 16)) in a cell")
        }
        #expect(!frame.text.contains("pwned") && !frame.text.contains("[2J"))
        if tab == .responses { #expect(frame.text.contains("visible text")) }
    }

    // MARK: Sorting

    @Test(
        "the sorted column's title shows field and direction",
        arguments: [
            (Dashboard.SortOrder.name, false, "NAME↓"), (.name, true, "NAME↑"), (.expiry, false, "EXPIRES IN↓"),
            (.expiry, true, "EXPIRES IN↑"),
            (.status, true, "STATUS↑"),
        ])
    func sortHeader(sort: Dashboard.SortOrder, reversed: Bool, title: String) {
        var state = ViewState(sort: sort)
        state.isSortReversed = reversed
        #expect(frame(Fixtures.snapshot(), state: state).text(ofRow: 1).contains(title))
    }

    @Test("sorted by expiry, latest first, in ASCII too")
    func sortedSnapshot() {
        var state = ViewState(selectedClient: "webhooks", sort: .expiry)
        state.isSortReversed = true
        expectSnapshot(frame(Fixtures.snapshot(), state: state, columns: 120, rows: 40), named: "sort-expiry-reversed-120x40")
        let ascii = frame(Fixtures.snapshot(), state: state, context: Fixtures.context(glyphs: .ascii)).text(ofRow: 1)
        #expect(ascii.contains("EXPIRES IN^"))
    }

    // MARK: The countdown bar

    /// One client with a one-hour token issued at `Fixtures.now`, refreshed `refreshBefore`
    /// seconds before expiry.
    func oneHour(refreshBefore: TimeInterval, nextRetryAt: Date? = nil) -> ManagerSnapshot {
        let client = ClientSnapshot(
            name: "hourly", state: .valid,
            token: Fixtures.jwt(name: "hourly", issued: 0, lifetime: 3600, refreshBefore: refreshBefore, scopes: ["read"]),
            nextRetryAt: nextRetryAt)
        return ManagerSnapshot(generation: 1, takenAt: Fixtures.now, clients: [client])
    }

    /// Where the bar starts on a row of `oneHour`: after the status and the six-column name.
    static let barStart = 2 + 10 + 1 + 6 + 1

    /// The bar's cells (16 wide at 120 columns) and the time after it.
    func bar(_ snapshot: ManagerSnapshot, at seconds: TimeInterval, selected: Bool = true) -> (
        bar: String, time: String, frame: Frame, row: Int
    ) {
        var state = ViewState(selectedClient: "hourly")
        // Unselected: a filter that hides nothing but is not the selection itself is not
        // available, so the selection is moved off by naming no client and adding another.
        var snapshot = snapshot
        if !selected {
            snapshot.clients.insert(ClientSnapshot(name: "aaa", state: .noToken), at: 0)
            state.selectedClient = "aaa"
        }
        let frame = frame(snapshot, state: state, columns: 120, rows: 40, now: Fixtures.at(seconds))
        let row = rows(frame, containing: "hourly")[0]
        let text = Array(frame.text(ofRow: row))
        return (
            String(text[Self.barStart..<(Self.barStart + 16)]), String(text[(Self.barStart + 17)..<(Self.barStart + 22)]), frame,
            row
        )
    }

    @Test("a one-hour token's refresh mark is a quarter in, not in the first cell, and the fill meets it at the refresh")
    func oneHourScale() {
        let snapshot = oneHour(refreshBefore: 60)
        let start = bar(snapshot, at: 0.3)
        #expect(start.bar == "████┃███████████")
        #expect(bar(snapshot, at: 1800).bar == "████┃█████░░░░░░", "half the way to the refresh, half the right part")
        #expect(
            bar(snapshot, at: 3200).bar == "████┃█░░░░░░░░░░", "a few minutes before the refresh the fill is a cell past the mark"
        )
        #expect(bar(snapshot, at: 3540).bar == "████┃░░░░░░░░░░░", "at the refresh the fill reaches the mark")
        #expect(bar(snapshot, at: 3570).bar == "██░░┃░░░░░░░░░░░", "after it, the left part counts down to expiry")
    }

    @Test("the mark follows the jitter and a pending retry: the fill reaches it when the refresh will actually happen")
    func markFollowsRefresh() {
        // A jitter that takes 1 000 s off puts the refresh 1 060 s before expiry.
        let jittered = oneHour(refreshBefore: 1060)
        let atRefresh = bar(jittered, at: 2540).bar
        let mark = atRefresh.distance(from: atRefresh.startIndex, to: atRefresh.firstIndex(of: "┃")!)
        #expect(atRefresh.prefix(mark).allSatisfy { $0 == "█" } && atRefresh.dropFirst(mark + 1).allSatisfy { $0 == "░" })
        // A retry due in ten minutes is the next refresh, wherever the schedule was.
        let retrying = oneHour(refreshBefore: 60, nextRetryAt: Fixtures.at(3000))
        let atRetry = bar(retrying, at: 3000).bar
        let retryMark = atRetry.distance(from: atRetry.startIndex, to: atRetry.firstIndex(of: "┃")!)
        #expect(atRetry.prefix(retryMark).allSatisfy { $0 == "█" } && atRetry.dropFirst(retryMark + 1).allSatisfy { $0 == "░" })
    }

    @Test("a one-hour token counts down from 60:00 in one notation, and the row and the Token tab agree to the second")
    func countdownAgrees() {
        let snapshot = oneHour(refreshBefore: 60)
        for seconds in [0.3, 0.999, 1.0, 1.5, 599.2, 3599.5] {
            let (_, time, frame, _) = bar(snapshot, at: seconds)
            #expect(!time.contains("h"), "\(time) at \(seconds) s")
            let left = TimeText.secondsUntil(Fixtures.at(3600), now: Fixtures.at(seconds))
            #expect(time == TimeText.countdown(seconds: left))
            let expires = frame.text(ofRow: rows(frame, containing: "Expires")[0])
            #expect(
                expires.contains("(in " + TimeText.duration(seconds: left) + ")"),
                "the Token tab says \(expires) where the row says \(time)")
            #expect(frame.text.contains("valid " + TimeText.coarseDuration(seconds: left)), "and so does the verdict")
        }
        #expect(bar(snapshot, at: 0.3).time == "60:00")
        #expect(bar(snapshot, at: 1.2).time == "59:59")
    }

    @Test("the selected row keeps its bar: only the name is highlighted")
    func selectionKeepsBar() {
        let snapshot = oneHour(refreshBefore: 60)
        let selected = bar(snapshot, at: 1800)
        let plain = bar(snapshot, at: 1800, selected: false)
        #expect(selected.bar == plain.bar)
        for column in Self.barStart..<(Self.barStart + 22) {
            #expect(selected.frame[column, selected.row].style == plain.frame[column, plain.row].style, "column \(column)")
        }
        #expect(
            selected.frame[13, selected.row].style.attributes.contains(.reverse)
                || selected.frame[13, selected.row].style != plain.frame[13, plain.row].style)
        #expect(selected.frame[0, selected.row].scalar == "▶")
    }
}

@Suite("Every layout at every size")
struct LayoutSweepTests {
    @Test(
        "rows, tab bar and pane never overlap or leave the screen; a too-small screen has nothing to click",
        arguments: [(60, 15), (80, 24), (120, 40), (50, 12)])
    func sweep(size: (Int, Int)) {
        let terminal = TerminalSize(columns: size.0, rows: size.1)
        for (snapshot, selected) in [
            (Fixtures.manyClients(30), "client-0029"), (Fixtures.snapshot(), "partner-sso"),
            (ManagerSnapshot(generation: 0, takenAt: Fixtures.now, clients: []), ""),
        ] {
            for paneLayout in PaneLayout.allCases {
                for zoomed in [false, true] {
                    for tab in DetailTab.allCases {
                        var state = ViewState(selectedClient: selected, tab: tab)
                        state.paneLayout = paneLayout
                        state.isZoomed = zoomed
                        state.detailScroll = 7
                        let layout = Renderer().layout(
                            snapshot, state: state, size: terminal, now: Fixtures.now, context: Fixtures.context())
                        let frame = Renderer().render(
                            snapshot, state: state, size: terminal, now: Fixtures.now, context: Fixtures.context())
                        #expect(frame.height == size.1)
                        let regions = (0..<size.1).map { layout.region(column: 3, row: $0) }
                        guard terminal.isUsable else {
                            #expect(regions.allSatisfy { $0 == .elsewhere })
                            continue
                        }
                        #expect(
                            regions[0] == .elsewhere && regions[size.1 - 1] == .elsewhere, "header and footer are not clickable")
                        let clientRows = regions.filter { if case .client = $0 { true } else { false } }.count
                        #expect(clientRows <= max(0, snapshot.clients.count))
                        #expect(regions.filter { if case .tab = $0 { true } else { false } }.count <= 1)
                        #expect(layout.maximumDetailScroll >= 0)
                    }
                }
            }
        }
    }
}
