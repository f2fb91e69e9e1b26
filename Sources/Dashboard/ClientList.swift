import Foundation
import TokenModel

/// The clients the table shows, in the table's order: filtered, then sorted. Key handling and
/// drawing both use it, so a selection moves through what is on screen.
public enum ClientList {
    public static func visible(_ snapshot: ManagerSnapshot, state: ViewState, now: Date) -> [ClientSnapshot] {
        visibleIndices(snapshot, state: state, now: now).map { snapshot.clients[$0] }
    }

    /// The index of the selected client among `clients`: the named one, else the first.
    public static func selectedIndex(in clients: [ClientSnapshot], state: ViewState) -> Int? {
        guard !clients.isEmpty else { return nil }
        if let name = state.selectedClient, let index = clients.firstIndex(where: { $0.name == name }) {
            return index
        }
        return 0
    }

    /// True when the filter text is in the client's name, one of its scopes or its verdict
    /// word (`/error`, `/degraded`), ignoring case.
    static func matches(_ client: ClientSnapshot, filter: String, verdict: @autoclosure () -> HealthState) -> Bool {
        guard !filter.isEmpty else { return true }
        let needle = filter.lowercased()
        if client.name.lowercased().contains(needle) { return true }
        let scopes = client.token?.scopes ?? client.configuredScopes
        if scopes.contains(where: { $0.lowercased().contains(needle) }) { return true }
        return verdict().rawValue.contains(needle)
    }

    /// Indexes into `snapshot.clients` in the table's order: filtered, then sorted (the other way
    /// round after `S`).
    public static func visibleIndices(_ snapshot: ManagerSnapshot, state: ViewState, now: Date) -> [Int] {
        visibleIndices(snapshot, state: state) { snapshot.clients[$0].healthState(at: now) }
    }

    /// The same, with each client's verdict from `verdict(index)`, so a frame computes each
    /// verdict once for the filter, the sort, the header and the rows.
    static func visibleIndices(_ snapshot: ManagerSnapshot, state: ViewState, verdict: (Int) -> HealthState) -> [Int] {
        let clients = snapshot.clients
        var order = Array(clients.indices)
        if !state.filterText.isEmpty {
            order = order.filter { matches(clients[$0], filter: state.filterText, verdict: verdict($0)) }
        }
        func byName(_ lhs: Int, _ rhs: Int) -> Bool {
            clients[lhs].name.utf8.lexicographicallyPrecedes(clients[rhs].name.utf8)
        }
        switch state.sort {
        case .name:
            order.sort(by: byName)
        case .expiry:
            var expiry = [Date](repeating: .distantFuture, count: clients.count)
            for index in order { expiry[index] = clients[index].token?.expiresAt ?? .distantFuture }
            order.sort { expiry[$0] != expiry[$1] ? expiry[$0] < expiry[$1] : byName($0, $1) }
        case .status:
            var severity = [Int](repeating: 0, count: clients.count)
            for index in order { severity[index] = verdict(index).severity }
            order.sort { severity[$0] != severity[$1] ? severity[$0] < severity[$1] : byName($0, $1) }
        }
        if state.isSortReversed { order.reverse() }
        return state.isGrouped ? grouped(order, clients) : order
    }

    /// What a client is grouped under: its instance when attached, else its issuer.
    static func groupKey(_ client: ClientSnapshot) -> String {
        client.instance ?? client.issuer ?? "no issuer"
    }

    /// The order with each group's clients together, keeping the sort within a group; groups
    /// come in the order of their first client, so sorting by status puts the worst group first.
    private static func grouped(_ order: [Int], _ clients: [ClientSnapshot]) -> [Int] {
        var groups: [String: Int] = [:]
        var members: [[Int]] = []
        for index in order {
            let key = groupKey(clients[index])
            if let group = groups[key] {
                members[group].append(index)
            } else {
                groups[key] = members.count
                members.append([index])
            }
        }
        return members.flatMap { $0 }
    }

    /// Where the selected client is in `order`: the named one, else the first.
    static func selectedPosition(in order: [Int], of snapshot: ManagerSnapshot, state: ViewState) -> Int? {
        guard !order.isEmpty else { return nil }
        if let name = state.selectedClient, let position = order.firstIndex(where: { snapshot.clients[$0].name == name }) {
            return position
        }
        return 0
    }
}
