import Foundation
import TokenModel

/// The detail pane's tabs, in the order of the `1`–`4` keys.
public enum DetailTab: Int, Sendable, Hashable, CaseIterable {
    case token, claims, responses, history

    public var title: String {
        switch self {
        case .token: return "Token"
        case .claims: return "Claims"
        case .responses: return "Responses"
        case .history: return "History"
        }
    }
}

/// The clients table's order, cycled by `s`.
public enum SortOrder: String, Sendable, Hashable, CaseIterable {
    case name, expiry, status

    var next: SortOrder {
        let all = Self.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}

/// How the list and the detail pane share the screen's height, cycled by `z`.
public enum PaneLayout: String, Sendable, Hashable, CaseIterable {
    /// Each gets what it has to show; where both do not fit, the pane gets what it needs up
    /// to half the height and the list the rest.
    case shared
    /// The whole screen to the list; no pane.
    case list
    /// The whole screen to the pane, under the selected client's row.
    case pane

    var next: PaneLayout {
        let all = Self.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}

/// An action waiting for the user to say yes.
public enum PendingConfirmation: Sendable, Hashable {
    case revoke(client: String)
    case copyToken(client: String)

    public var client: String {
        switch self {
        case .revoke(let client), .copyToken(let client): return client
        }
    }

    /// The question the footer asks.
    public var question: String {
        switch self {
        case .revoke(let client): return "Revoke the token of \(client)?"
        case .copyToken(let client): return "Copy the token of \(client) to the clipboard (OSC 52)?"
        }
    }
}

/// The footer's message about the last action.
public struct FooterMessage: Sendable, Hashable {
    /// Seconds a message stays in the footer: long enough to read a line, short enough that an
    /// old outcome is not taken for the state of things.
    public static let lifetime: TimeInterval = 6

    public var text: String
    public var isError: Bool
    /// The client the message is about, if it is about one: an event log narrowed to some
    /// clients shows only the notes about them.
    public var client: String?

    public init(_ text: String, isError: Bool = false, client: String? = nil) {
        self.text = text
        self.isError = isError
        self.client = client
    }

    /// How a copy (`y`) went, as the driver says once it has written the token (or found none).
    public static func copied(_ client: String) -> FooterMessage {
        FooterMessage("Token of \(client) copied (OSC 52)", client: client)
    }

    public static func nothingCopied(_ client: String) -> FooterMessage {
        FooterMessage("No token held for \(client); nothing copied", isError: true, client: client)
    }

    /// How an action ended: one record as the manager words it, several (refresh all) as a
    /// count with the first failure named. Nil for no records.
    public init?(outcomes: [ActionRecord]) {
        guard let first = outcomes.first else { return nil }
        guard outcomes.count > 1 else {
            self.init(first.footerText, isError: !first.succeeded)
            return
        }
        let failures = outcomes.filter { !$0.succeeded }
        var text = "\(first.action.rawValue) all: \(outcomes.count - failures.count) of \(outcomes.count) done"
        if let failure = failures.first {
            text += ", \(failures.count) failed; " + failure.footerText
        }
        self.init(text, isError: !failures.isEmpty)
    }
}

/// A footer message kept with when it was shown, to outlive its fading: the dashboard's own note in
/// the event log, beside the manager's events.
public struct FooterNote: Sendable, Hashable {
    /// Notes kept: the last minutes of work at the keyboard, few enough that the log stays the
    /// manager's.
    public static let limit = 50

    public var at: Date
    public var message: FooterMessage

    public init(at: Date, message: FooterMessage) {
        self.at = at
        self.message = message
    }
}

/// Everything about the screen that is not the manager's data: what is selected, which tab,
/// the filter, the sort, overlays and prompts. Changed only by `InputHandler` (and the driver,
/// for messages about what it did).
public struct ViewState: Sendable, Hashable {
    /// The selected client, by name, so the selection survives re-sorting and new snapshots.
    public var selectedClient: String?
    public var tab: DetailTab
    /// Clients whose name contains this (case-insensitive) are shown.
    public var filterText: String
    /// True while the `/` prompt takes typed characters.
    public var isFilterPromptOpen: Bool
    public var sort: SortOrder
    /// True when `S` turned the sort around (Z to A, latest expiry first, healthiest first).
    public var isSortReversed: Bool
    public var paneLayout: PaneLayout
    /// True while `Enter` shows the selected client on the whole screen.
    public var isZoomed: Bool
    public var isHelpVisible: Bool
    public var pendingConfirmation: PendingConfirmation?
    public var footerMessage: FooterMessage?
    /// When the footer's message appeared: it fades `FooterMessage.lifetime` later, as k9s'
    /// flash line does. Nil shows it until the next one.
    public var footerMessageShownAt: Date?
    /// The footer's messages, oldest first, the last `FooterNote.limit` of them; not those that
    /// only start an action whose outcome is recorded elsewhere (see `show(_:at:kept:)`).
    public var footerNotes: [FooterNote]
    /// The names of the themes `t` cycles through, and the one in use.
    public var themeNames: [String]
    public var themeIndex: Int
    /// Lines scrolled in the detail pane (or the zoomed view); reset when the tab, the
    /// selection or the zoom changes.
    public var detailScroll: Int
    /// Rows scrolled in the help overlay, where it does not fit; reset when it opens.
    public var helpScroll: Int
    /// The clients (table and detail pane), or a screen of its own: key sets, event log.
    public var screen: DashboardScreen
    /// Lines scrolled in the key-set screen (from the top) or the event log (from the newest,
    /// at the bottom); reset when a screen opens.
    public var screenScroll: Int
    /// True when the event log shows only the selected client's events, else those of every
    /// client the table shows.
    public var eventsOfSelectedOnly: Bool
    /// True when the table shows its clients in groups, one an issuer (one an instance when
    /// attached), each under a line that rolls the group up.
    public var isGrouped: Bool
    /// True while the event log's selected line (its newest line shown) is open whole in a box.
    public var isEventOpen: Bool

    public init(
        themeNames: [String] = ["default"], themeIndex: Int = 0, selectedClient: String? = nil, tab: DetailTab = .token,
        sort: SortOrder = .name
    ) {
        self.selectedClient = selectedClient
        self.tab = tab
        filterText = ""
        isFilterPromptOpen = false
        self.sort = sort
        isSortReversed = false
        paneLayout = .shared
        isZoomed = false
        isHelpVisible = false
        pendingConfirmation = nil
        footerMessage = nil
        footerNotes = []
        self.themeNames = themeNames.isEmpty ? ["default"] : themeNames
        self.themeIndex = min(max(0, themeIndex), self.themeNames.count - 1)
        detailScroll = 0
        helpScroll = 0
        screen = .clients
        screenScroll = 0
        eventsOfSelectedOnly = false
        isGrouped = false
        isEventOpen = false
    }

    /// Puts a message in the footer from `now`, to fade `FooterMessage.lifetime` later, and,
    /// when `kept`, among the notes the event log shows. Not kept: the start of an action the
    /// manager records with its outcome (a "you: …" line), and that outcome.
    public mutating func show(_ message: FooterMessage, at now: Date, kept: Bool) {
        footerMessage = message
        footerMessageShownAt = now
        guard kept else { return }
        footerNotes.append(FooterNote(at: now, message: message))
        if footerNotes.count > FooterNote.limit { footerNotes.removeFirst(footerNotes.count - FooterNote.limit) }
    }

    /// The footer's message if it is still to be shown at `now`.
    public func footerMessage(at now: Date) -> FooterMessage? {
        guard let shownAt = footerMessageShownAt else { return footerMessage }
        return now.timeIntervalSince(shownAt) < FooterMessage.lifetime ? footerMessage : nil
    }

    public var themeName: String { themeNames[themeIndex] }
}
