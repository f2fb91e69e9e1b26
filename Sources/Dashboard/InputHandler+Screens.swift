import Foundation
import TokenModel

/// Keys for the diagnosis and the key-set and event-log screens.
extension InputHandler {
    /// The three-way check of the selected client; the Token tab, where the diagnosis shows,
    /// comes to the front.
    func diagnose(_ client: String, state: inout ViewState) -> KeyOutcome {
        if state.screen == .clients, state.tab != .token {
            state.tab = .token
            state.detailScroll = 0
        }
        state.footerMessage = FooterMessage("Diagnosing \(client): key set, API, introspection\u{2026}")
        return .manager(.diagnose(client: client))
    }

    /// Opens a screen, or closes it when it is the one open.
    func toggleScreen(_ screen: DashboardScreen, state: inout ViewState) {
        state.screen = state.screen == screen ? .clients : screen
        state.screenScroll = 0
        state.isEventOpen = false
    }

    /// Switches the event log between the selected client and every client shown, opening it.
    func toggleEventsScope(_ selected: String?, state: inout ViewState) {
        state.eventsOfSelectedOnly.toggle()
        if state.screen != .events {
            state.screen = .events
            state.screenScroll = 0
        }
        state.footerMessage =
            state.eventsOfSelectedOnly
            ? FooterMessage("Event log: \(selected ?? "the selected client") only", client: selected)
            : FooterMessage("Event log: every client shown")
    }

    /// On a screen, Esc and quit go back to the clients, and the moving keys scroll the screen
    /// instead of the selection. Returns false for keys the screen leaves to the rest.
    /// - Parameter layout: the screen as drawn, for how far it scrolls; without it, to the last line.
    func moveOnScreen(
        with key: InputKey, state: inout ViewState, snapshot: ManagerSnapshot, now: Date, layout: ScreenLayout? = nil
    ) -> Bool {
        if key == .escape {
            if state.isEventOpen {
                state.isEventOpen = false
            } else {
                state.screen = .clients
                state.screenScroll = 0
            }
            return true
        }
        guard let action = keyMap.action(for: key) else { return false }
        // Enter opens the log's selected line whole; it never zooms the client hidden under a screen.
        if action == .zoom {
            if state.screen == .events { state.isEventOpen.toggle() }
            return true
        }
        // The event log scrolls from its newest line, at the bottom: up means older.
        let towardTop = state.screen == .events ? 1 : -1
        let lineCount = Renderer.screenLineCount(snapshot, state: state, now: now)
        let farthest = layout.map { Renderer.screenScrollLimit(lines: lineCount, rows: $0.screenRows) } ?? max(0, lineCount - 1)
        switch action {
        case .quit:
            state.screen = .clients
            state.screenScroll = 0
            state.isEventOpen = false
            return true
        case .up: state.screenScroll += towardTop
        case .down: state.screenScroll -= towardTop
        case .pageUp: state.screenScroll += 10 * towardTop
        case .pageDown: state.screenScroll -= 10 * towardTop
        case .first: state.screenScroll = towardTop > 0 ? farthest : 0
        case .last: state.screenScroll = towardTop > 0 ? 0 : farthest
        default: return false
        }
        state.screenScroll = min(max(0, state.screenScroll), farthest)
        return true
    }
}
