import Dashboard
import DashboardCaptures
import Foundation
import Testing
import TokenModel

@Suite("Keys for the diagnosis, the key sets and the event log")
struct DiagnosisKeysTests {
    let handler = InputHandler()
    let snapshot = Fixtures.diagnosis.snapshot()

    func press(_ keys: [InputKey], state: inout ViewState) -> [KeyOutcome] {
        keys.map { handler.handle($0, state: &state, snapshot: snapshot, now: Fixtures.now) }
    }

    @Test("d asks the manager for the three-way check of the selected client and brings the Token tab forward")
    func diagnose() {
        var state = ViewState(selectedClient: "no-mod-scope", tab: .history)
        #expect(press([.character("d")], state: &state) == [.manager(.diagnose(client: "no-mod-scope"))])
        #expect(state.tab == .token, "the diagnosis shows on the Token tab")
        #expect(state.footerMessage?.text == "Diagnosing no-mod-scope: key set, API, introspection…")
        var empty = ViewState()
        let none = handler.handle(
            .character("d"), state: &empty, snapshot: ManagerSnapshot(generation: 0, takenAt: Fixtures.now, clients: []),
            now: Fixtures.now)
        #expect(none == .none)
        #expect(empty.footerMessage == FooterMessage("No client selected", isError: true))
    }

    @Test("the check's outcome is the footer's message")
    func outcomeInFooter() {
        let record = ActionRecord(
            action: .diagnose, client: "no-mod-scope", at: Fixtures.now, succeeded: true, outcome: "diagnosis: missing_scope")
        #expect(FooterMessage(outcomes: [record]) == FooterMessage("diagnose no-mod-scope: diagnosis: missing_scope"))
    }

    @Test("K and e open their screens, the same key or Esc or q goes back, and q there does not quit")
    func screens() {
        var state = ViewState(selectedClient: "jwt-client")
        _ = press([.character("K")], state: &state)
        #expect(state.screen == .keySets)
        _ = press([.character("K")], state: &state)
        #expect(state.screen == .clients)
        _ = press([.character("e")], state: &state)
        #expect(state.screen == .events)
        _ = press([.character("K")], state: &state)
        #expect(state.screen == .keySets, "one screen leads to the other")
        _ = press([.escape], state: &state)
        #expect(state.screen == .clients)
        #expect(press([.character("e"), .character("q")], state: &state) == [.none, .none])
        #expect(state.screen == .clients)
        #expect(press([.character("q")], state: &state) == [.quit])
    }

    @Test("on a screen the moving keys scroll it, not the selection; the event log scrolls up into older events")
    func scrolling() {
        var state = ViewState(selectedClient: "jwt-client")
        _ = press([.character("e"), .character("k"), .character("k")], state: &state)
        #expect(state.selectedClient == "jwt-client")
        #expect(state.screenScroll == 2)
        _ = press([.character("j")], state: &state)
        #expect(state.screenScroll == 1)
        _ = press([.character("G")], state: &state)
        #expect(state.screenScroll == 0, "G follows the newest event again")
        _ = press([.character("g")], state: &state)
        let oldest = state.screenScroll
        #expect(oldest > 0)
        _ = press([.pageUp, .up], state: &state)
        #expect(state.screenScroll == oldest, "scrolling stops at the oldest event")
        _ = press([.character("K"), .down, .down, .up], state: &state)
        #expect(state.screenScroll == 1, "the key-set screen scrolls from the top")
    }

    @Test("c narrows the event log to the selected client and back, opening it")
    func eventsScope() {
        var state = ViewState(selectedClient: "no-mod-scope")
        _ = press([.character("c")], state: &state)
        #expect(state.screen == .events && state.eventsOfSelectedOnly)
        #expect(state.footerMessage?.text == "Event log: no-mod-scope only")
        _ = press([.character("c")], state: &state)
        #expect(!state.eventsOfSelectedOnly)
        #expect(state.footerMessage?.text == "Event log: every client shown")
    }

    @Test("/ filters the event log by client like the table, and Esc then goes back")
    func filterOnEvents() {
        var state = ViewState(selectedClient: "jwt-client")
        _ = press([.character("e"), .character("/"), .character("p"), .character("o"), .character("s"), .enter], state: &state)
        #expect(state.filterText == "pos" && state.screen == .events)
        _ = press([.escape], state: &state)
        #expect(state.screen == .clients)
    }

    @Test("the new actions can be rebound under keys:")
    func rebinding() throws {
        let keyMap = try KeyMap(bindings: ["diagnose": "D", "key-sets": "F2", "events": "E", "events-scope": "a"])
        #expect(keyMap.action(for: .character("D")) == .diagnose)
        #expect(keyMap.action(for: .function(2)) == .keySets)
        #expect(keyMap.action(for: .character("E")) == .events)
        #expect(keyMap.action(for: .character("a")) == .eventsScope)
        #expect(keyMap.action(for: .character("d")) == nil, "a configured key replaces the default")
        #expect(throws: KeyMapError.self) { try KeyMap(bindings: ["events": "r"]) }
    }
}

@Suite("The diagnosis, the key sets and the event log as drawn")
struct DiagnosisScreenSnapshotTests {
    let renderer = Renderer()

    func frame(_ state: ViewState, columns: Int = 80, rows: Int = 24, snapshot: ManagerSnapshot = Fixtures.diagnosis.snapshot())
        -> Frame
    {
        renderer.render(
            snapshot, state: state, size: TerminalSize(columns: columns, rows: rows), now: Fixtures.now,
            context: Fixtures.context())
    }

    @Test(
        "each cause is named at the top of the Token tab, with its evidence",
        arguments: [
            ("no-mod-scope", "missing_scope", "the token lacks custom_mod"),
            ("other-aud", "audience_or_issuer_mismatch", "another audience or issuer"),
            ("skewed", "clock_skew", "5m00s ahead of this machine"),
            ("jwt-client", "key_rotation", "which the issuer does not publish"),
            ("post-client", "revoked", "says the token is not active"),
        ])
    func diagnosis(client: String, cause: String, summary: String) throws {
        let small = frame(ViewState(selectedClient: client, tab: .token))
        let rows = (0..<small.height).map { small.text(ofRow: $0) }
        let line = try #require(rows.firstIndex { $0.hasPrefix(" Diagnosis ") })
        let health = try #require(rows.firstIndex { $0.hasPrefix(" Health ") })
        // On a small screen the token's rows may be scrolled below the diagnosis and what it did not check.
        let token = rows.firstIndex { $0.hasPrefix(" Token ") } ?? rows.count
        #expect(health < line && line < token, "the diagnosis comes under the verdict, before the token")
        #expect(rows[line].contains("✘ \(cause)"))
        let large = frame(ViewState(selectedClient: client, tab: .token), columns: 120, rows: 40)
        #expect(large.text.contains(summary))
        let notRun = Fixtures.diagnosis.snapshot().clients.first { $0.name == client }?.checksNotRun(at: Fixtures.now) ?? []
        #expect(large.text.contains(" Not checked ") == !notRun.isEmpty, "a diagnosis lists the checks it could not make")
        expectSnapshot(small, named: "diagnosis-\(cause)-80x24")
        expectSnapshot(large, named: "diagnosis-\(cause)-120x40")
    }

    @Test("a client with nothing wrong shows no diagnosis")
    func noDiagnosis() {
        #expect(!frame(ViewState(selectedClient: "mod-client", tab: .token)).text.contains("Diagnosis"))
        #expect(!frame(ViewState(selectedClient: "mod-client", tab: .token)).text.contains("Next step"))
    }

    @Test("the next step comes right under the verdict, in the words the model gives it")
    func nextStep() throws {
        let large = frame(ViewState(selectedClient: "no-mod-scope", tab: .token), columns: 120, rows: 40)
        let rows = (0..<large.height).map { large.text(ofRow: $0) }
        let health = try #require(rows.firstIndex { $0.hasPrefix(" Health ") })
        let step = try #require(rows.firstIndex { $0.hasPrefix(" Next step ") })
        #expect(step == health + 1)
        let client = try #require(Fixtures.diagnosis.snapshot().clients.first { $0.name == "no-mod-scope" })
        let expected = try #require(client.nextStep(at: Fixtures.now))
        #expect(expected.hasPrefix("grant custom_mod to this client"))
        #expect(rows[step].contains(expected))
    }

    @Test("the key-set screen lists the keys, which key signed whose token, the retired key still in use, and the changes")
    func keySets() {
        var state = ViewState(selectedClient: "jwt-client")
        state.screen = .keySets
        let small = frame(state)
        let large = frame(state, columns: 120, rows: 40)
        expectSnapshot(small, named: "key-sets-80x24")
        expectSnapshot(large, named: "key-sets-120x40")
        let rows = (0..<large.height).map { large.text(ofRow: $0) }
        #expect(
            rows.contains {
                $0.contains("The key of jwt-client's token, \"demo-key-1\", is no longer published: APIs that verify locally")
            })
        #expect(
            rows.contains {
                $0.contains("demo-key-2") && $0.contains("RSA 2048") && $0.contains("RS256")
                    && $0.contains("mod-client, no-mod-scope, post-client")
            })
        #expect(
            rows.contains { $0.hasPrefix(" ▶ demo-key-1") && $0.contains("no longer published") && $0.contains("jwt-client") })
        #expect(rows.contains { $0.contains("max-age 5m00s") })
        #expect(rows.contains { $0.contains("- removed") && $0.contains("demo-key-1") })
        #expect(rows.contains { $0.contains("+ added") && $0.contains("demo-key-2") })
        #expect(large.text(ofRow: 39).contains("Esc back"))
    }

    @Test("a key was first seen when any client first saw it; the freshest copy gives the rest")
    func firstSeenAcrossCopies() throws {
        var snapshot = Fixtures.diagnosis.snapshot()
        // mod-client's copy is the freshest, but it saw demo-key-2 only on its last fetch.
        snapshot.clients[2].keySet?.keys[0].firstSeen = Fixtures.at(-20)
        var state = ViewState(selectedClient: "mod-client")
        state.screen = .keySets
        let drawn = frame(state, columns: 120, rows: 40, snapshot: snapshot)
        let row = try #require((0..<drawn.height).map { drawn.text(ofRow: $0) }.first { $0.contains("demo-key-2  RSA") })
        #expect(row.hasPrefix(" ▶ demo-key-2"), "mod-client's token is signed by it")
        #expect(row.contains("2m00s ago    20s ago"), "\(row)")
    }

    @Test("without a key set the screen says how one comes")
    func noKeySets() {
        var state = ViewState()
        state.screen = .keySets
        #expect(frame(state, snapshot: Fixtures.snapshot()).text.contains("No key set watched yet."))
    }

    @Test("the event log is time-ordered, newest at the bottom, in words, repeated API answers folded")
    func events() {
        var state = ViewState(selectedClient: "jwt-client")
        state.screen = .events
        let small = frame(state)
        let large = frame(state, columns: 120, rows: 40)
        expectSnapshot(small, named: "events-80x24")
        expectSnapshot(large, named: "events-120x40")
        let rows = (0..<large.height).map { large.text(ofRow: $0) }
        let body = rows.filter { $0.contains(/^[ ▶]\d\d:\d\d:\d\d\s/) }
        #expect(body.first?.contains("token fetched (startup, 142ms)") == true)
        #expect(body.last?.contains("API 503 → 200") == true, "the newest is at the bottom")
        #expect(
            body.filter { $0.contains("jwt-client") && $0.contains("API 200 (9ms)") }.count == 1,
            "the same answer again is not news")
        #expect(body.contains { $0.contains("no-mod-scope") && $0.contains("API 403 insufficient_scope") })
        #expect(body.contains { $0.contains("key removed: demo-key-1") })
        #expect(body.contains { $0.contains("clock skew: http://127.0.0.1:8080 is 5m00s ahead") })
        #expect(body.contains { $0.contains("you: revoke — token revoked") })
        #expect(body.contains { $0.contains("verdict ok → degraded") })
        #expect(body.contains { $0.contains("token request failed (scheduled, 35ms)") })
        #expect(rows[1].contains("every client") && rows[1].contains("newest at the bottom"))
        // At 60×15 the log does not fit: the newest lines show, and the marker says how many are older.
        let tiny = frame(state, columns: 60, rows: 15)
        let tinyRows = (0..<tiny.height).map { tiny.text(ofRow: $0) }
        #expect(tinyRows.contains { $0.contains("API 503 → 200") })
        #expect(tinyRows.contains { $0.contains("↑ 5 older (PgUp)") })
        expectSnapshot(tiny, named: "events-60x15")
        state.screenScroll = 2
        let scrolled = frame(state, columns: 60, rows: 15)
        #expect(scrolled.text.contains("↑ 3 older (PgUp) · ↓ 2 newer (PgDn)"))
        #expect(!scrolled.text.contains("API 503 → 200"))
    }

    @Test("the event log narrowed to the selected client, or by the filter")
    func eventsOfOne() {
        var state = ViewState(selectedClient: "no-mod-scope")
        state.screen = .events
        state.eventsOfSelectedOnly = true
        let one = frame(state, columns: 120, rows: 40)
        expectSnapshot(one, named: "events-selected-120x40")
        let body = (0..<one.height).map { one.text(ofRow: $0) }.filter { $0.contains(/^[ ▶]\d\d:\d\d:\d\d\s/) }
        #expect(!body.isEmpty && body.allSatisfy { $0.contains("no-mod-scope") })
        #expect(one.text(ofRow: 1).contains("no-mod-scope only"))
        state.eventsOfSelectedOnly = false
        state.filterText = "post"
        let filtered = frame(state, columns: 120, rows: 40)
        let lines = (0..<filtered.height).map { filtered.text(ofRow: $0) }.filter { $0.contains(/^[ ▶]\d\d:\d\d:\d\d\s/) }
        #expect(lines.count == 3 && lines.allSatisfy { $0.contains("post-client") })
    }

    @Test("hostile text in events and key sets never reaches a cell as a control character")
    func hostile() {
        var snapshot = Fixtures.diagnosis.snapshot()
        let hostile = Fixtures.hostileText
        snapshot.recentEvents.append(
            ManagerEvent(
                at: Fixtures.now, client: "jwt-client",
                kind: .keySetChanged(
                    source: hostile, change: KeySetChange(kind: .added, kid: hostile, at: Fixtures.now))))
        snapshot.recentEvents.append(
            ManagerEvent(at: Fixtures.now, client: "jwt-client", kind: .signatureChecked(SignatureVerdict(.failed, hostile))))
        snapshot.clients[1].keySet?.keys.append(
            PublishedKey(
                kid: hostile, type: "RSA 2048", algorithm: hostile, use: hostile, firstSeen: Fixtures.now, lastSeen: Fixtures.now)
        )
        snapshot.clients[1].keySet?.lastError = hostile
        snapshot.clients[0].responses[0].wwwAuthenticate =
            #"Bearer error="invalid_token", error_description=""# + hostile.replacingOccurrences(of: "\"", with: "") + #"""#
        for screen in [DashboardScreen.events, .keySets, .clients] {
            var state = ViewState(selectedClient: screen == .clients ? "other-aud" : "jwt-client")
            state.screen = screen
            let drawn = frame(state, columns: 120, rows: 40, snapshot: snapshot)
            for cell in drawn.cells {
                #expect(
                    cell.scalar.value >= 0x20 && !(0x7F..<0xA0).contains(cell.scalar.value),
                    "control U+\(String(cell.scalar.value, radix: 16)) on \(screen)")
            }
            #expect(!drawn.text.contains("pwned") && !drawn.text.contains("[2J"))
        }
    }

    @Test("help lists the new keys")
    func help() {
        var state = ViewState()
        state.isHelpVisible = true
        let drawn = frame(state, columns: 120, rows: 40)
        for action in [DashboardAction.diagnose, .keySets, .events, .eventsScope] {
            #expect(drawn.text.contains(action.summary))
        }
        #expect(drawn.text.contains(/d +diagnose \(3-way check\)/))
        #expect(drawn.text.contains(/K +issuers' key sets/))
        #expect(drawn.text.contains(/e +event log/))
        #expect(drawn.text.contains(/q\/F10\/\^C +quit/))
    }
}
