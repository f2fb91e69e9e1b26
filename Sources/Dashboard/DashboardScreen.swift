/// What fills the screen between the header and the footer.
public enum DashboardScreen: Sendable, Hashable {
    /// The clients table and the selected client's detail pane.
    case clients
    /// Each issuer's key set: its keys, which key signed which client's token, its changes.
    case keySets
    /// Every client's events in time order, newest at the bottom, like k9s' `:events`.
    case events

    /// The screen's name in its title line.
    var title: String {
        switch self {
        case .clients: return "Clients"
        case .keySets: return "Key sets"
        case .events: return "Event log"
        }
    }
}
