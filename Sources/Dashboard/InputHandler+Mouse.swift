import Foundation
import TokenModel

/// The mouse, as btop and k9s take it: a click selects the row or opens the tab under the
/// pointer, the wheel scrolls the list or the pane under it.
extension InputHandler {
    /// Rows one turn of the wheel scrolls the detail pane.
    public static let wheelLines = 3

    func handle(_ event: MouseEvent, state: inout ViewState, snapshot: ManagerSnapshot, now: Date, layout: ScreenLayout) {
        // A question waits for a key: a click neither answers it nor cancels it.
        guard state.pendingConfirmation == nil else { return }
        if state.isHelpVisible {
            switch event.button {
            case .left: state.isHelpVisible = false
            case .wheelUp: state.helpScroll = max(0, state.helpScroll - 1)
            case .wheelDown: state.helpScroll += 1
            }
            return
        }
        // The key-set and event screens have no rows or tabs to click; the wheel scrolls them.
        if state.screen != .clients {
            let direction: DashboardAction? = event.button == .wheelUp ? .up : event.button == .wheelDown ? .down : nil
            if let direction, let key = keyMap.keys(for: direction).first {
                for _ in 0..<Self.wheelLines {
                    _ = moveOnScreen(with: key, state: &state, snapshot: snapshot, now: now, layout: layout)
                }
            }
            return
        }
        let region = layout.region(column: event.column, row: event.row)
        switch (event.button, region) {
        case (.left, .client(let position)):
            select(position, in: ClientList.visible(snapshot, state: state, now: now), state: &state)
        case (.left, .tab(let tab)):
            switchTab(to: tab, state: &state)
        case (.wheelUp, .client), (.wheelUp, .table):
            moveSelection(by: -1, state: &state, snapshot: snapshot, now: now)
        case (.wheelDown, .client), (.wheelDown, .table):
            moveSelection(by: 1, state: &state, snapshot: snapshot, now: now)
        case (.wheelUp, .detail):
            state.detailScroll = max(0, state.detailScroll - Self.wheelLines)
        case (.wheelDown, .detail):
            state.detailScroll = min(state.detailScroll + Self.wheelLines, layout.maximumDetailScroll)
        default:
            break
        }
    }

    private func moveSelection(by offset: Int, state: inout ViewState, snapshot: ManagerSnapshot, now: Date) {
        let clients = ClientList.visible(snapshot, state: state, now: now)
        select(ClientList.selectedIndex(in: clients, state: state).map { $0 + offset }, in: clients, state: &state)
    }
}
