import Dashboard
import DashboardCaptures
import Foundation
import Testing
import TokenModel

/// The footer's messages fade, but the last ones stay in the event log as the dashboard's own
/// notes, beside the manager's events; an action the manager records is not noted twice.
@Suite("Footer messages kept as the dashboard's notes")
struct FooterNoteKeepingTests {
    let handler = InputHandler()

    func press(
        _ keys: [InputKey], at seconds: TimeInterval, state: inout ViewState, snapshot: ManagerSnapshot = Fixtures.snapshot()
    ) -> [KeyOutcome] {
        keys.map { handler.handle($0, state: &state, snapshot: snapshot, now: Fixtures.at(seconds)) }
    }

    @Test("every message of the view's own is kept with the time it was shown, oldest first, after it fades")
    func kept() {
        var state = ViewState(themeNames: ["default", "mono"], selectedClient: "billing-api")
        _ = press([.character("s")], at: -30, state: &state)
        _ = press([.character("t")], at: -20, state: &state)
        _ = press([.character("/"), .character("b"), .enter], at: -15, state: &state)
        _ = press([.escape], at: -10, state: &state)
        #expect(state.footerNotes.map(\.message.text) == ["Sorted by expiry", "Theme: mono", "Filter cleared"])
        #expect(state.footerNotes.map(\.at) == [Fixtures.at(-30), Fixtures.at(-20), Fixtures.at(-10)])
        #expect(state.footerNotes.allSatisfy { $0.message.client == nil }, "about the view, not a client")
        #expect(state.footerMessage(at: Fixtures.now) == nil, "the footer's message has faded")
    }

    @Test("a refusal is kept, naming its client; so is a cancelled question")
    func refusals() {
        var state = ViewState(selectedClient: "partner-sso")
        _ = press([.character("x")], at: -9, state: &state)
        _ = press([.character("j"), .character("y"), .character("n")], at: -8, state: &state)
        let notes = state.footerNotes.map(\.message)
        #expect(
            notes.first == FooterMessage("No token held for partner-sso; nothing to revoke", isError: true, client: "partner-sso")
        )
        #expect(notes.last?.text == "Copy cancelled" && notes.last?.client == state.selectedClient)
        #expect(notes.count == 2, "the question itself is not a message")
    }

    @Test("an action sent to the manager is not kept: the manager records it and its outcome (\"you: …\")")
    func managerActionsNotKept() {
        var state = ViewState(selectedClient: "billing-api")
        let commands = press(
            [.character("r"), .character("R"), .character("i"), .character("p"), .character("d"), .character("L")], at: -5,
            state: &state)
        #expect(commands.allSatisfy { if case .manager = $0 { true } else { false } })
        #expect(state.footerMessage != nil)
        #expect(state.footerNotes.isEmpty)
        #expect(press([.character("y"), .character("y")], at: -4, state: &state) == [.none, .copyToken(client: "billing-api")])
        #expect(state.footerNotes.isEmpty, "the copy's outcome is kept when the driver says it")
        state.show(.copied("billing-api"), at: Fixtures.at(-3), kept: true)
        state.show(FooterMessage("refresh billing-api: new token eyJh…Qw"), at: Fixtures.at(-2), kept: false)
        #expect(state.footerNotes.map(\.message) == [.copied("billing-api")])
        #expect(state.footerMessage?.text == "refresh billing-api: new token eyJh…Qw", "an outcome is still shown")
    }

    @Test("only the last 50 are kept, oldest first")
    func bounded() {
        var state = ViewState()
        for second in 0..<60 { _ = press([.character("s")], at: Double(second), state: &state) }
        #expect(state.footerNotes.count == FooterNote.limit)
        #expect(state.footerNotes.first?.at == Fixtures.at(10))
        #expect(state.footerNotes.last?.at == Fixtures.at(59))
        #expect(zip(state.footerNotes, state.footerNotes.dropFirst()).allSatisfy { $0.at < $1.at })
    }
}

@Suite("The dashboard's notes in the event log")
struct FooterNoteEventLogTests {
    let snapshot = Fixtures.diagnosis.snapshot()

    /// The log's lines at 120×40, where the whole fixture's log fits.
    func logLines(_ state: ViewState) -> [String] {
        var state = state
        state.screen = .events
        let frame = Renderer().render(
            snapshot, state: state, size: TerminalSize(columns: 120, rows: 40), now: Fixtures.now, context: Fixtures.context())
        return (0..<frame.height).map { frame.text(ofRow: $0) }.filter { $0.contains(/^[ ▶]\d\d:\d\d:\d\d\s/) }
    }

    func noted(_ notes: [(TimeInterval, FooterMessage)], selected: String = "jwt-client") -> ViewState {
        var state = ViewState(selectedClient: selected)
        for (seconds, message) in notes { state.show(message, at: Fixtures.at(seconds), kept: true) }
        state.footerMessage = nil
        return state
    }

    @Test("a note shows in time order among the manager's events, named as the dashboard's, after an event of the same instant")
    func inTimeOrder() throws {
        let state = noted([
            (-50, FooterMessage("Sorted by status")), (-6, FooterMessage("Revoke cancelled", client: "jwt-client")),
        ])
        let lines = logLines(state)
        let sorted = try #require(lines.firstIndex { $0.contains("dashboard: Sorted by status") })
        #expect(lines[sorted - 1].contains("verdict ok → degraded") && lines[sorted + 1].contains("clock skew"))
        let cancelled = try #require(lines.firstIndex { $0.contains("dashboard: Revoke cancelled") })
        #expect(lines[cancelled].contains("jwt-client"), "the client it is about, in the client column")
        #expect(lines[cancelled - 1].contains("you: revoke"), "after the manager's event of the same second")
        #expect(lines.count == logLines(ViewState(selectedClient: "jwt-client")).count + 2)
    }

    @Test("narrowed to a client or by the filter, the log shows only the notes about a client it shows")
    func narrowed() {
        var state = noted([
            (-50, FooterMessage("Sorted by status")),
            (-40, FooterMessage("No token held for jwt-client; nothing to revoke", isError: true, client: "jwt-client")),
            (-30, FooterMessage("Copy cancelled", client: "post-client")),
        ])
        #expect(logLines(state).filter { $0.contains("dashboard: ") }.count == 3, "every note while every client is shown")
        state.eventsOfSelectedOnly = true
        #expect(
            logLines(state).filter { $0.contains("dashboard: ") }.map { $0.contains("No token held for jwt-client") } == [true])
        state.eventsOfSelectedOnly = false
        state.filterText = "post"
        #expect(logLines(state).filter { $0.contains("dashboard: ") }.map { $0.contains("Copy cancelled") } == [true])
    }
}
