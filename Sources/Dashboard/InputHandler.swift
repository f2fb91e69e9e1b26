import Foundation
import TokenModel

/// What a key leads to, beyond changing the view state.
public enum KeyOutcome: Sendable, Equatable {
    /// Nothing to do outside the view.
    case none
    /// Ask the token manager to act.
    case manager(ClientAction)
    /// Copy this client's token to the clipboard: the driver asks for the raw token and
    /// writes the OSC 52 sequence itself.
    case copyToken(client: String)
    case quit
}

extension KeyOutcome {
    /// True when something else says how this ends, so the footer's "…ing" message is not
    /// kept: the manager records its actions with their outcome ("you: …" in the event log),
    /// the driver says how a copy went.
    var outcomeFollows: Bool {
        switch self {
        case .manager, .copyToken: return true
        case .none, .quit: return false
        }
    }
}

/// Turns keys into view-state changes and commands. Pure: the same key, state and snapshot
/// always give the same result.
public struct InputHandler: Sendable {
    public let keyMap: KeyMap

    public init(keyMap: KeyMap = .standard) {
        self.keyMap = keyMap
    }

    /// Applies a key or a mouse event. `now` decides the order of the status sort, as on screen.
    /// - Parameter layout: the screen as drawn for this state (`Renderer.layout`): what a mouse
    ///   event is tested against, and how far the detail pane can scroll. Without it, mouse
    ///   events are ignored and scrolling is kept in range by the renderer alone.
    public func handle(
        _ key: InputKey, state: inout ViewState, snapshot: ManagerSnapshot, now: Date, layout: ScreenLayout? = nil
    ) -> KeyOutcome {
        let message = state.footerMessage
        let command = apply(key, state: &state, snapshot: snapshot, now: now, layout: layout)
        if state.footerMessage != message {
            if let shown = state.footerMessage {
                state.show(shown, at: now, kept: !command.outcomeFollows)
            } else {
                state.footerMessageShownAt = nil
            }
        }
        return command
    }

    private func apply(
        _ key: InputKey, state: inout ViewState, snapshot: ManagerSnapshot, now: Date, layout: ScreenLayout?
    ) -> KeyOutcome {
        if key == .controlC { return .quit }
        if key == .resize { return .none }
        if case .mouse(let event) = key {
            guard let layout else { return .none }
            handle(event, state: &state, snapshot: snapshot, now: now, layout: layout)
            return .none
        }
        defer { if let layout { state.detailScroll = min(state.detailScroll, layout.maximumDetailScroll) } }
        if let pending = state.pendingConfirmation {
            return answer(pending, with: key, state: &state)
        }
        if state.isHelpVisible {
            switch keyMap.action(for: key) {
            case .help, .quit: state.isHelpVisible = false
            case .pageDown: state.helpScroll += 10
            case .pageUp: state.helpScroll = max(0, state.helpScroll - 10)
            case .down: state.helpScroll += 1
            case .up: state.helpScroll = max(0, state.helpScroll - 1)
            default: if key == .escape { state.isHelpVisible = false }
            }
            return .none
        }
        if state.isFilterPromptOpen, editFilter(with: key, state: &state, snapshot: snapshot, now: now) {
            return .none
        }
        if state.screen != .clients, moveOnScreen(with: key, state: &state, snapshot: snapshot, now: now, layout: layout) {
            return .none
        }
        guard let action = keyMap.action(for: key) else {
            if key == .escape {
                if state.isZoomed {
                    setZoom(false, state: &state)
                } else if !state.filterText.isEmpty {
                    clearFilter(&state, snapshot: snapshot, now: now)
                    state.footerMessage = FooterMessage("Filter cleared")
                } else {
                    state.footerMessage = nil
                }
            }
            return .none
        }
        if state.isZoomed, scrollZoomed(action, state: &state, layout: layout) { return .none }
        return perform(action, state: &state, snapshot: snapshot, now: now)
    }

    /// In the zoomed view the moving keys scroll the client's lines instead of choosing
    /// another client. Returns false for the keys that keep their meaning.
    private func scrollZoomed(_ action: DashboardAction, state: inout ViewState, layout: ScreenLayout?) -> Bool {
        let page = layout.map { max(1, $0.scrollingRows.count - 1) } ?? 10
        switch action {
        case .up: state.detailScroll = max(0, state.detailScroll - 1)
        case .down: state.detailScroll += 1
        case .pageUp: state.detailScroll = max(0, state.detailScroll - page)
        case .pageDown: state.detailScroll += page
        case .first: state.detailScroll = 0
        case .last: state.detailScroll = layout?.maximumDetailScroll ?? state.detailScroll
        default: return false
        }
        return true
    }

    private func perform(_ action: DashboardAction, state: inout ViewState, snapshot: ManagerSnapshot, now: Date) -> KeyOutcome {
        let clients = ClientList.visible(snapshot, state: state, now: now)
        let index = ClientList.selectedIndex(in: clients, state: state)
        let selected = index.map { clients[$0].name }
        switch action {
        case .up: select(index.map { $0 - 1 }, in: clients, state: &state)
        case .down: select(index.map { $0 + 1 }, in: clients, state: &state)
        case .first: select(0, in: clients, state: &state)
        case .last: select(clients.count - 1, in: clients, state: &state)
        case .pageUp: state.detailScroll = max(0, state.detailScroll - 10)
        case .pageDown: state.detailScroll += 10
        case .nextTab: switchTab(to: DetailTab(rawValue: (state.tab.rawValue + 1) % DetailTab.allCases.count)!, state: &state)
        case .previousTab:
            let count = DetailTab.allCases.count
            switchTab(to: DetailTab(rawValue: (state.tab.rawValue + count - 1) % count)!, state: &state)
        case .tokenTab: switchTab(to: .token, state: &state)
        case .claimsTab: switchTab(to: .claims, state: &state)
        case .responsesTab: switchTab(to: .responses, state: &state)
        case .historyTab: switchTab(to: .history, state: &state)
        case .refresh:
            guard let index, let selected else { return noClient(&state) }
            if clients[index].instanceIsReadOnly {
                return cannot(
                    "refresh \(selected): the instance is read-only (start serve with --allow-actions)", selected, &state)
            }
            state.footerMessage = FooterMessage("Refreshing \(selected)…")
            return .manager(.refresh(client: selected))
        case .refreshAll:
            guard !snapshot.clients.isEmpty else { return noClient(&state) }
            state.footerMessage = FooterMessage("Refreshing all \(snapshot.clients.count) clients…")
            return .manager(.refreshAll)
        case .introspect:
            guard let index, let selected else { return noClient(&state) }
            guard clients[index].token != nil else { return noToken(selected, "nothing to introspect", &state) }
            state.footerMessage = FooterMessage("Introspecting the token of \(selected)…")
            return .manager(.introspect(client: selected))
        case .revoke:
            guard let index else { return noClient(&state) }
            if clients[index].instanceIsReadOnly {
                return cannot(
                    "revoke \(clients[index].name): the instance is read-only (start serve with --allow-actions)",
                    clients[index].name, &state)
            }
            guard clients[index].token != nil else { return noToken(clients[index].name, "nothing to revoke", &state) }
            state.pendingConfirmation = .revoke(client: clients[index].name)
        case .copy:
            guard let index else { return noClient(&state) }
            if clients[index].instance != nil {
                return cannot(
                    "copy \(clients[index].name): no token leaves a serve instance, so none can be copied when attached",
                    clients[index].name, &state)
            }
            guard clients[index].token != nil else { return noToken(clients[index].name, "nothing to copy", &state) }
            state.pendingConfirmation = .copyToken(client: clients[index].name)
        case .pause:
            guard let index else { return noClient(&state) }
            let client = clients[index]
            state.footerMessage = FooterMessage(
                client.pollingPaused ? "Resuming polling of \(client.name)" : "Pausing polling of \(client.name)")
            return .manager(.togglePolling(client: client.name))
        case .filter:
            state.isFilterPromptOpen = true
        case .sort:
            state.sort = state.sort.next
            state.footerMessage = FooterMessage(sortMessage(state))
        case .reverseSort:
            state.isSortReversed.toggle()
            state.footerMessage = FooterMessage(sortMessage(state))
        case .zoom:
            guard index != nil else { return noClient(&state) }
            setZoom(!state.isZoomed, state: &state)
        case .layout:
            state.paneLayout = state.paneLayout.next
            state.detailScroll = 0
            state.footerMessage = FooterMessage(layoutMessage(state.paneLayout))
        case .theme:
            state.themeIndex = (state.themeIndex + 1) % state.themeNames.count
            state.footerMessage = FooterMessage("Theme: \(state.themeName)")
        case .reload:
            state.footerMessage = FooterMessage("Reloading the configuration…")
            return .manager(.reloadConfiguration)
        case .help:
            state.isHelpVisible = true
            state.helpScroll = 0
        case .quit:
            return .quit
        case .diagnose:
            guard let selected else { return noClient(&state) }
            return diagnose(selected, state: &state)
        case .keySets: toggleScreen(.keySets, state: &state)
        case .events: toggleScreen(.events, state: &state)
        case .eventsScope: toggleEventsScope(selected, state: &state)
        case .group:
            state.isGrouped.toggle()
            let by = snapshot.clients.contains { $0.instance != nil } ? "instance" : "issuer"
            state.footerMessage = FooterMessage(state.isGrouped ? "Grouped by \(by)" : "Ungrouped")
        }
        return .none
    }

    /// Typing into the open filter prompt. Returns false for keys the prompt leaves to the
    /// table (moving the selection, for instance).
    private func editFilter(with key: InputKey, state: inout ViewState, snapshot: ManagerSnapshot, now: Date) -> Bool {
        switch key {
        case .escape:
            clearFilter(&state, snapshot: snapshot, now: now)
            state.isFilterPromptOpen = false
        case .enter:
            state.isFilterPromptOpen = false
        case .backspace, .delete:
            if state.filterText.isEmpty {
                state.isFilterPromptOpen = false
            } else {
                state.filterText.removeLast()
            }
        case .character(let character):
            // Ctrl-Space types NUL: a control character is never part of a filter (and a NUL in
            // it made Foundation's `contains` trap on a name like "cliént").
            guard !character.unicodeScalars.contains(where: CharacterWidth.isControl) else { return true }
            state.filterText.append(character)
        default:
            return false
        }
        state.detailScroll = 0
        return true
    }

    /// Clears the filter keeping the row selected now, as k9s and lazygit do: the client the
    /// filtered table shows selected stays selected in the whole table.
    private func clearFilter(_ state: inout ViewState, snapshot: ManagerSnapshot, now: Date) {
        let shown = ClientList.visible(snapshot, state: state, now: now)
        if let index = ClientList.selectedIndex(in: shown, state: state) { state.selectedClient = shown[index].name }
        state.filterText = ""
    }

    private func answer(_ pending: PendingConfirmation, with key: InputKey, state: inout ViewState) -> KeyOutcome {
        state.pendingConfirmation = nil
        // Only `y` says yes: Enter, like any other key, is no, so a stray key never revokes.
        guard key == .character("y") || key == .character("Y") else {
            switch pending {
            case .revoke: state.footerMessage = FooterMessage("Revoke cancelled", client: pending.client)
            case .copyToken: state.footerMessage = FooterMessage("Copy cancelled", client: pending.client)
            }
            return .none
        }
        switch pending {
        case .revoke(let client):
            state.footerMessage = FooterMessage("Revoking the token of \(client)…")
            return .manager(.revoke(client: client))
        case .copyToken(let client):
            state.footerMessage = FooterMessage("Copying the token of \(client)…")
            return .copyToken(client: client)
        }
    }

    func select(_ index: Int?, in clients: [ClientSnapshot], state: inout ViewState) {
        guard let index, !clients.isEmpty else { return }
        let name = clients[min(max(0, index), clients.count - 1)].name
        if name != state.selectedClient { state.detailScroll = 0 }
        state.selectedClient = name
    }

    private func sortMessage(_ state: ViewState) -> String {
        "Sorted by \(state.sort.rawValue)" + (state.isSortReversed ? ", reversed" : "")
    }

    private func layoutMessage(_ layout: PaneLayout) -> String {
        switch layout {
        case .shared: return "Layout: list and details share the screen"
        case .list: return "Layout: the list on the whole screen"
        case .pane: return "Layout: the details on the whole screen"
        }
    }

    private func setZoom(_ zoomed: Bool, state: inout ViewState) {
        state.isZoomed = zoomed
        state.detailScroll = 0
    }

    func switchTab(to tab: DetailTab, state: inout ViewState) {
        if tab != state.tab { state.detailScroll = 0 }
        state.tab = tab
    }

    /// An action that cannot apply says so at once, instead of asking first.
    private func noToken(_ client: String, _ consequence: String, _ state: inout ViewState) -> KeyOutcome {
        state.footerMessage = FooterMessage("No token held for \(client); \(consequence)", isError: true, client: client)
        return .none
    }

    /// An action that cannot apply here, said at once.
    private func cannot(_ text: String, _ client: String, _ state: inout ViewState) -> KeyOutcome {
        state.footerMessage = FooterMessage(text, isError: true, client: client)
        return .none
    }

    func noClient(_ state: inout ViewState) -> KeyOutcome {
        state.footerMessage = FooterMessage("No client selected", isError: true)
        return .none
    }
}
