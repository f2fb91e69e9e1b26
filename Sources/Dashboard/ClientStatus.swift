import Foundation
import TokenModel

/// How a client's row reads at an instant: the thresholds of the table (healthy, refresh
/// due, under ten seconds or expired, error) plus the states with no token.
public enum ClientStatus: Sendable, Hashable {
    case ok
    case refreshDue
    /// Under ten seconds left.
    case expiring
    case expired
    case error
    case fetching
    case noToken

    /// Under this many seconds before expiry a token is shown as critical.
    public static let criticalSeconds: TimeInterval = 10

    public init(_ client: ClientSnapshot, at now: Date) {
        let state = client.state(at: now)
        let remaining = client.token?.expiresAt.map { $0.timeIntervalSince(now) }
        switch state {
        case .valid, .refreshDue:
            if let remaining, remaining < Self.criticalSeconds {
                self = .expiring
            } else {
                self = state == .valid ? .ok : .refreshDue
            }
        case .expired: self = .expired
        case .error: self = .error
        case .fetching: self = .fetching
        case .noToken: self = .noToken
        }
    }

    /// The word shown beside the symbol, so no meaning rests on colour.
    public var word: String {
        switch self {
        case .ok: return "ok"
        case .refreshDue: return "due"
        case .expiring: return "expiring"
        case .expired: return "expired"
        case .error: return "error"
        case .fetching: return "fetching"
        case .noToken: return "no token"
        }
    }

    public func symbol(_ glyphs: Glyphs) -> Unicode.Scalar {
        switch self {
        case .ok: return glyphs.ok
        case .refreshDue: return glyphs.refreshDue
        case .expiring: return glyphs.expiring
        case .expired: return glyphs.expired
        case .error: return glyphs.error
        case .fetching: return glyphs.fetching
        case .noToken: return glyphs.noToken
        }
    }

    var role: StyleRole {
        switch self {
        case .ok: return .ok
        case .refreshDue: return .refreshDue
        case .expiring, .expired: return .critical
        case .error: return .error
        case .fetching, .noToken: return .pending
        }
    }

    /// Worst first, for the status sort.
    var severity: Int {
        switch self {
        case .error: return 0
        case .expired: return 1
        case .expiring: return 2
        case .refreshDue: return 3
        case .fetching: return 4
        case .noToken: return 5
        case .ok: return 6
        }
    }
}

/// The clients the table shows, in the table's order: filtered by name, then sorted.
/// Key handling and drawing both use it, so a selection moves through what is on screen.
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
}
