import Dashboard
import Foundation
import Testing
import TokenModel

/// The model's verdict, as the dashboard shows it: never computed here, only read.
@Suite("Verdicts on the dashboard")
struct HealthDisplayTests {
    let renderer = Renderer()
    let snapshot = Fixtures.snapshot()

    func frame(_ state: ViewState = ViewState(selectedClient: "reports"), columns: Int = 120, rows: Int = 40, depth: ColorDepth = .full256) -> Frame {
        renderer.render(
            snapshot, state: state, size: TerminalSize(columns: columns, rows: rows), now: Fixtures.now,
            context: Fixtures.context(depth: depth))
    }

    func row(_ frame: Frame, containing name: String) -> Int {
        (2..<frame.height).first { frame.text(ofRow: $0).contains(" \(name) ") }!
    }

    @Test("each row shows its client's verdict: symbol, word and the start of the reason")
    func rowsShowTheVerdict() {
        let frame = frame()
        for client in snapshot.clients {
            let verdict = client.health(at: Fixtures.now)
            let text = frame.text(ofRow: row(frame, containing: client.name))
            #expect(text.dropFirst(2).hasPrefix(verdict.state.label(.unicode)), "\(client.name): \(text)")
            #expect(text.contains(String(verdict.reason.prefix(20))), "\(client.name) should show \(verdict.reason)")
        }
    }

    @Test("the header counts add up to the rows shown, and say when a filter hides some")
    func headerCounts() throws {
        let header = frame().text(ofRow: 0)
        #expect(header.contains("✔ 4 ok · ▲ 1 degraded · ⋯ 1 pending · ✖ 1 expired · ✘ 1 error"))
        let total = header.matches(of: /(\d+) (ok|degraded|pending|expired|error)/).reduce(0) { $0 + Int($1.1)! }
        #expect(total == snapshot.clients.count)
        #expect(!header.contains("shown"))

        var state = ViewState()
        state.filterText = "or"
        let visible = ClientList.visible(snapshot, state: state, now: Fixtures.now)
        let filtered = frame(state).text(ofRow: 0)
        let shown = filtered.matches(of: /(\d+) (ok|degraded|pending|expired|error)/).reduce(0) { $0 + Int($1.1)! }
        #expect(shown == visible.count)
        #expect(visible.count == 4)
        #expect(filtered.contains("(4 of 8 shown)"))
    }

    @Test("the header keeps every count on a narrow screen by dropping words, then separators")
    func narrowHeader() {
        #expect(frame(columns: 80, rows: 24).text(ofRow: 0).contains("✔4 ok  ▲1 degraded  ⋯1 pending  ✖1 expired  ✘1 error"))
        #expect(frame(columns: 60, rows: 15).text(ofRow: 0).contains("✔4 ▲1 ⋯1 ✖1 ✘1"))
    }

    @Test("a healthy token seconds before its refresh is drawn like any healthy one, not in red")
    func colourFollowsSeverity() {
        let frame = frame()
        let healthy = row(frame, containing: "inventory")
        let nearRefresh = row(frame, containing: "legacy-batch")
        let expired = row(frame, containing: "orders")
        #expect(frame.text(ofRow: nearRefresh).contains("00:07"))
        #expect(frame[2, nearRefresh].style == frame[2, healthy].style)
        let text = frame.text(ofRow: nearRefresh)
        let countdown = text.unicodeScalars[..<text.range(of: "00:07")!.lowerBound].count
        #expect(frame[countdown, nearRefresh].style == frame[countdown, healthy].style)
        #expect(frame[countdown, nearRefresh].style != frame[2, expired].style)
    }

    @Test("expired and error differ by symbol and word, in colour, without it and in ASCII")
    func expiredAndErrorDiffer() {
        for glyphs in [Glyphs.unicode, .ascii] {
            let symbols = HealthState.allCases.map { $0.symbol(glyphs) }
            #expect(Set(symbols).count == HealthState.allCases.count, "every verdict has its own symbol")
        }
        let frame = frame(columns: 80, rows: 24, depth: .monochrome)
        #expect(frame.text(ofRow: row(frame, containing: "orders")).hasPrefix("  ✖ expired"))
        #expect(frame.text(ofRow: row(frame, containing: "partner-sso")).hasPrefix("  ✘ error"))
    }

    @Test("the help overlay's legend names every verdict's symbol, word and meaning", arguments: [(80, 24), (120, 40)])
    func legend(size: (Int, Int)) {
        var state = ViewState()
        state.isHelpVisible = true
        let help = frame(state, columns: size.0, rows: size.1).text
        for verdict in HealthState.allCases {
            #expect(help.contains(verdict.label(.unicode)), "\(verdict)")
            #expect(help.contains(verdict.meaning), "\(verdict)")
        }
    }

    @Test("sorting by status puts the worst verdict first, by the model's severity")
    func statusSort() {
        let state = ViewState(sort: .status)
        let severities = ClientList.visible(snapshot, state: state, now: Fixtures.now).map { $0.health(at: Fixtures.now).state.severity }
        #expect(severities == severities.sorted())
    }
}
