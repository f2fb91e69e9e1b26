import Dashboard
import Foundation
import Testing
import TokenModel

/// The model's verdict, as the dashboard shows it: never computed here, only read.
@Suite("Verdicts on the dashboard")
struct HealthDisplayTests {
    let renderer = Renderer()
    let snapshot = Fixtures.snapshot()

    func frame(
        _ state: ViewState = ViewState(selectedClient: "reports"), columns: Int = 120, rows: Int = 40,
        depth: ColorDepth = .full256
    ) -> Frame {
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

    @Test("at the minimum size the help scrolls, so every key and the whole legend can be read")
    func helpScrollsAtMinimumSize() {
        let handler = InputHandler()
        var state = ViewState()
        _ = handler.handle(.character("?"), state: &state, snapshot: snapshot, now: Fixtures.now)
        var seen = ""
        for _ in 0..<6 {
            let help = frame(state, columns: 60, rows: 15).text
            seen += help
            _ = handler.handle(.pageDown, state: &state, snapshot: snapshot, now: Fixtures.now)
        }
        var opened = ViewState()
        opened.isHelpVisible = true
        #expect(frame(opened, columns: 60, rows: 15).text.contains("more (PgDn)"), "the box says there is more")
        for entry in DashboardAction.allCases.map(\.summary) + HealthState.allCases.map(\.meaning) + ["stale answer (old news)"] {
            #expect(seen.contains(entry), "\(entry) should be reachable by scrolling")
        }
        #expect(state.isHelpVisible, "scrolling keeps the help open")
        _ = handler.handle(.escape, state: &state, snapshot: snapshot, now: Fixtures.now)
        #expect(!state.isHelpVisible)
    }

    @Test("sorting by status puts the worst verdict first, by the model's severity")
    func statusSort() {
        let state = ViewState(sort: .status)
        let severities = ClientList.visible(snapshot, state: state, now: Fixtures.now).map {
            $0.health(at: Fixtures.now).state.severity
        }
        #expect(severities == severities.sorted())
    }
}

/// Old news looks old: every answer and error carries its age, stale answers are dim, and
/// History tells what happened when, in words.
@Suite("Ages, staleness and History")
struct OldNewsTests {
    let renderer = Renderer()
    let snapshot = Fixtures.snapshot()

    func frame(_ state: ViewState, columns: Int = 120, rows: Int = 40) -> Frame {
        renderer.render(
            snapshot, state: state, size: TerminalSize(columns: columns, rows: rows), now: Fixtures.now,
            context: Fixtures.context())
    }

    func row(_ frame: Frame, containing text: String) -> Int {
        (0..<frame.height).first { frame.text(ofRow: $0).contains(text) }!
    }

    func column(of text: String, inRow row: Int, of frame: Frame) -> Int {
        let line = frame.text(ofRow: row)
        return line.unicodeScalars[..<line.range(of: text)!.lowerBound].count
    }

    @Test("the table's API column gives each answer's age, and a stale answer is dim")
    func tableAnswerAges() {
        let frame = frame(ViewState(selectedClient: "reports"))
        let fresh = row(frame, containing: "billing-api ")
        let stale = row(frame, containing: "inventory ")
        #expect(frame.text(ofRow: fresh).contains("200 60ms · <1m ago"), "a fresh success's age in steps")
        #expect(frame.text(ofRow: stale).contains("200 9ms · 1m00s ago"))
        // A failure keeps its age to the second: it is what the operator is watching.
        var polling = snapshot
        if let webhooks = polling.clients.firstIndex(where: { $0.name == "webhooks" }) {
            polling.clients[webhooks].pollingPaused = false
        }
        let failing = renderer.render(
            polling, state: ViewState(selectedClient: "reports"), size: TerminalSize(columns: 120, rows: 40),
            now: Fixtures.now, context: Fixtures.context())
        #expect(failing.text(ofRow: row(failing, containing: "webhooks ")).contains("401 7ms · 5s ago"))
        let freshStyle = frame[column(of: "200 60ms", inRow: fresh, of: frame), fresh].style
        let staleStyle = frame[column(of: "200 9ms", inRow: stale, of: frame), stale].style
        let mutedStyle = frame[column(of: "valid 50s", inRow: stale, of: frame), stale].style
        #expect(staleStyle == mutedStyle, "an answer older than twice the poll interval is dim")
        #expect(freshStyle != staleStyle)
        #expect(frame.text(ofRow: row(frame, containing: "reports ")).contains("—"), "no resource-uri: a dash, not 'waiting'")
    }

    @Test("the Responses tab gives each answer's age")
    func responsesAges() {
        let frame = frame(ViewState(selectedClient: "webhooks", tab: .responses))
        #expect(frame.text.contains("Age"))
        #expect(frame.text(ofRow: row(frame, containing: "02:59:55")).contains("5s ago"))
        #expect(frame.text(ofRow: row(frame, containing: "02:59:55")).contains("401"))
    }

    @Test("the Token tab dates the last error, the failed action and the last answer")
    func tokenTabAges() {
        let partner = frame(ViewState(selectedClient: "partner-sso")).text
        #expect(partner.contains(/Last error +HTTP 401 invalid_client/))
        #expect(partner.contains("· 30s ago"))
        let billing = frame(ViewState(selectedClient: "billing-api")).text
        #expect(billing.contains(/Last action +HTTP 503 temporarily_unavailable/))
        #expect(billing.contains("· 5m00s ago"))
        #expect(billing.contains(/Last answer +200 60ms · now/))
    }

    @Test("History interleaves fetches and the operator's actions by time, newest first, reasons in words")
    func historyInterleaves() {
        let billing = frame(ViewState(selectedClient: "billing-api", tab: .history))
        let lines = (0..<billing.height).map { billing.text(ofRow: $0) }
        let order = ["you: revoke", "fetch: scheduled", "you: introspect", "fetch: startup"].map { event in
            lines.firstIndex { $0.contains(event) }
        }
        #expect(order.allSatisfy { $0 != nil })
        #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted(), "newest first: \(lines)")
        #expect(lines.contains { $0.contains("✘ failed") && $0.contains("temporarily_unavailable") })
        let webhooks = frame(ViewState(selectedClient: "webhooks", tab: .history)).text
        #expect(webhooks.contains("fetch: retry after 401"))
        #expect(!webhooks.contains("retry_after_401"))
    }

    @Test("History's column titles stay while it scrolls")
    func historyHeaderStays() {
        var snapshot = snapshot
        snapshot.clients[1].history = (0..<20).map { index in
            FetchRecord(
                reason: .scheduled, startedAt: Fixtures.at(Double(index - 100) * 60), latency: .milliseconds(80), error: nil,
                claimChanges: [], expiresAt: Fixtures.at(Double(index) * 60))
        }
        var state = ViewState(selectedClient: "billing-api", tab: .history)
        state.detailScroll = 4
        let frame = renderer.render(
            snapshot, state: state, size: TerminalSize(columns: 80, rows: 15), now: Fixtures.now, context: Fixtures.context())
        #expect(frame.text.contains("When      Event"))
        #expect(!frame.text.contains("you: revoke"), "the newest lines scrolled away under the titles")
        #expect(frame.text.contains("more (PgDn)"))
    }

    @Test("introspection times read like the Claims tab's, not as raw epochs alone")
    func introspectionTimes() {
        let frame = frame(ViewState(selectedClient: "reports"))
        #expect(frame.text.contains(/exp +1795755600  2026-11-27 05:00:00 UTC  \(in 2h00m\)/))
    }

    @Test("revoke, copy and introspect without a token say so at once instead of asking")
    func actionsWithoutToken() {
        let handler = InputHandler()
        for key in ["x", "y", "i"] {
            var state = ViewState(selectedClient: "search-edge")
            let command = handler.handle(.character(Character(key)), state: &state, snapshot: snapshot, now: Fixtures.now)
            #expect(command == .none)
            #expect(state.pendingConfirmation == nil)
            #expect(state.footerMessage?.isError == true)
            #expect(state.footerMessage?.text.hasPrefix("No token held for search-edge; nothing to") == true)
        }
    }

    @Test("an action's outcome reaches the footer in one message, refresh all as a count")
    func footerOutcomes() {
        let ok = ActionRecord(
            action: .refresh, client: "a", at: Fixtures.now, succeeded: true, outcome: "new token eyJh…Qw, expires in 59m")
        let failed = ActionRecord(
            action: .refresh, client: "b", at: Fixtures.now, succeeded: false, outcome: "invalid_client: bad secret")
        #expect(FooterMessage(outcomes: [ok]) == FooterMessage("refresh a: new token eyJh…Qw, expires in 59m"))
        #expect(
            FooterMessage(outcomes: [ok, failed])
                == FooterMessage(
                    "refresh all: 1 of 2 done, 1 failed; refresh b: failed: invalid_client: bad secret", isError: true))
        #expect(FooterMessage(outcomes: [ok, ok]) == FooterMessage("refresh all: 2 of 2 done"))
        #expect(FooterMessage(outcomes: []) == nil)
    }
}
