import Foundation
import Testing
import TokenModel

@testable import Dashboard

/// What a k9s user tripped on: actions that cannot apply, Enter and Esc on screens and
/// filters, the footer's message, event-log lines too long for the screen.
@Suite("Keys and messages that do what a k9s user expects")
struct TripUpTests {
    let handler = InputHandler()

    func press(_ keys: [InputKey], state: inout ViewState, snapshot: ManagerSnapshot, now: Date = Fixtures.now) -> [KeyOutcome] {
        keys.map { handler.handle($0, state: &state, snapshot: snapshot, now: now) }
    }

    func attached(readOnly: Bool) -> ManagerSnapshot {
        var snapshot = Fixtures.attachedSnapshot()
        for index in snapshot.clients.indices { snapshot.clients[index].instanceIsReadOnly = readOnly }
        return snapshot
    }

    @Test("attached, y says at once that no token can be copied, without asking")
    func copyWhenAttached() {
        var state = ViewState(selectedClient: "127.0.0.1:9464/billing-api")
        let commands = press([.character("y")], state: &state, snapshot: attached(readOnly: false))
        #expect(commands == [.none])
        #expect(state.pendingConfirmation == nil)
        #expect(state.footerMessage?.isError == true)
        #expect(state.footerMessage?.text.contains("no token leaves a serve instance") == true)
    }

    @Test("attached to a read-only instance, x and r say so at once; an instance that takes actions is asked")
    func revokeWhenReadOnly() {
        var state = ViewState(selectedClient: "127.0.0.1:9464/billing-api")
        #expect(press([.character("x")], state: &state, snapshot: attached(readOnly: true)) == [.none])
        #expect(state.pendingConfirmation == nil)
        #expect(state.footerMessage?.text.contains("read-only (start serve with --allow-actions)") == true)
        #expect(press([.character("r")], state: &state, snapshot: attached(readOnly: true)) == [.none])
        #expect(state.footerMessage?.text.contains("read-only") == true)
        _ = press([.character("x")], state: &state, snapshot: attached(readOnly: false))
        #expect(state.pendingConfirmation == .revoke(client: "127.0.0.1:9464/billing-api"))
    }

    @Test("Esc from a filter keeps the row selected in it, as k9s and lazygit do")
    func escapeKeepsRow() {
        let snapshot = Fixtures.snapshot()
        var state = ViewState(selectedClient: "billing-api")
        // "or" matches inventory, orders and reports; billing-api is hidden, inventory shown selected.
        _ = press([.character("/"), .character("o"), .character("r"), .down], state: &state, snapshot: snapshot)
        _ = press([.escape], state: &state, snapshot: snapshot)
        #expect(state.filterText.isEmpty)
        #expect(state.selectedClient == "orders")
        // The same once the prompt is closed with Enter: Esc then clears the kept filter.
        _ = press(
            [.character("/"), .character("r"), .character("e"), .character("p"), .enter, .escape], state: &state,
            snapshot: snapshot)
        #expect(state.filterText.isEmpty)
        #expect(state.selectedClient == "reports")
    }

    @Test("Enter on the event log opens its selected line whole and never zooms the client underneath; Esc closes it first")
    func enterOnEventLog() {
        var snapshot = Fixtures.snapshot()
        let long =
            "token request failed (retry, 12ms): invalid_client: "
            + String(repeating: "the secret or key is wrong or was rotated, ", count: 4) + "END-OF-LINE"
        snapshot.recentEvents = [
            ManagerEvent(
                at: Fixtures.at(-5), client: "partner-sso",
                kind: .tokenFailed(reason: .retry, latency: .milliseconds(12), error: .configuration(long)))
        ]
        var state = ViewState(selectedClient: "billing-api")
        _ = press([.character("e"), .enter], state: &state, snapshot: snapshot)
        #expect(!state.isZoomed)
        #expect(state.isEventOpen)
        let frame = Renderer().render(
            snapshot, state: state, size: TerminalSize(columns: 80, rows: 24), now: Fixtures.now, context: Fixtures.context())
        #expect(frame.text.contains("END-OF-LINE"), "the line is whole in the box")
        #expect(frame.text.contains(" Event "))
        _ = press([.escape], state: &state, snapshot: snapshot)
        #expect(!state.isEventOpen && state.screen == .events)
        _ = press([.escape], state: &state, snapshot: snapshot)
        #expect(state.screen == .clients && !state.isZoomed)
        _ = press([.character("K"), .enter], state: &state, snapshot: snapshot)
        #expect(!state.isZoomed, "nor on the key-set screen")
    }

    @Test("the footer's message gets the width it needs and fades after a few seconds")
    func footerFades() {
        var state = ViewState(selectedClient: "billing-api")
        let snapshot = Fixtures.snapshot()
        _ = press([.character("s")], state: &state, snapshot: snapshot)
        #expect(state.footerMessage(at: Fixtures.at(1)) != nil)
        #expect(state.footerMessage(at: Fixtures.at(FooterMessage.lifetime + 1)) == nil)
        let long =
            "refresh all: 11 of 12 done, 1 failed; refresh partner-sso: failed: invalid_client: Client authentication failed (END)"
        state.footerMessage = FooterMessage(long, isError: true)
        func footer(at now: Date) -> String {
            let frame = Renderer().render(
                snapshot, state: state, size: TerminalSize(columns: 140, rows: 30), now: now, context: Fixtures.context())
            return frame.text(ofRow: 29)
        }
        #expect(footer(at: Fixtures.at(1)).contains("(END)"), "a 120-column message is not cut at two thirds of the screen")
        #expect(!footer(at: Fixtures.at(FooterMessage.lifetime + 1)).contains("partner-sso"), "and it fades")
    }
}
