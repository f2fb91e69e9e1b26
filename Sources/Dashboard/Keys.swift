/// A key as the driver read it.
public enum InputKey: Sendable, Hashable {
    case character(Character)
    /// Ctrl with a letter, lower case: `.control("c")` is Ctrl-C.
    case control(Character)
    case up, down, left, right, home, end, pageUp, pageDown
    case tab, backTab, enter, escape, backspace, delete
    case function(Int)
    /// The terminal changed size.
    case resize
    /// A click or a turn of the wheel, where the pointer was.
    case mouse(MouseEvent)

    public static let controlC = InputKey.control("c")

    /// How help and the footer name the key: `k`, `↑`, `Tab`, `^R`.
    public func label(glyphs: Glyphs = .unicode) -> String {
        switch self {
        case .character(" "): return "Space"
        case .character(let character): return String(character)
        case .control(let letter): return "^" + letter.uppercased()
        case .up: return glyphs.up
        case .down: return glyphs.down
        case .left: return glyphs.left
        case .right: return glyphs.right
        case .home: return "Home"
        case .end: return "End"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .backspace: return "Bksp"
        case .delete: return "Del"
        case .function(let number): return "F\(number)"
        case .resize: return "resize"
        case .mouse: return "mouse"
        }
    }

    /// Parses a key as the configuration names it: a single character (`f`, `R`, `/`),
    /// `ctrl-x`, or one of `up down left right home end pgup pgdn tab shift-tab enter
    /// space backspace delete f1`–`f12`.
    public init?(configName: String) {
        let lowered = configName.lowercased()
        if configName.count == 1, let character = configName.first, !character.isWhitespace,
            character.unicodeScalars.allSatisfy({ !CharacterWidth.isControl($0) })
        {
            self = .character(character)
            return
        }
        for prefix in ["ctrl-", "ctrl+", "c-", "^"] where lowered.hasPrefix(prefix) {
            let rest = lowered.dropFirst(prefix.count)
            guard rest.count == 1, let letter = rest.first, letter.isASCII, letter.isLetter else { return nil }
            self = .control(letter)
            return
        }
        if lowered.hasPrefix("f"), let number = Int(lowered.dropFirst()), (1...12).contains(number) {
            self = .function(number)
            return
        }
        let named: [String: InputKey] = [
            "up": .up, "down": .down, "left": .left, "right": .right, "home": .home, "end": .end,
            "pgup": .pageUp, "pageup": .pageUp, "pgdn": .pageDown, "pagedown": .pageDown, "tab": .tab,
            "shift-tab": .backTab, "backtab": .backTab, "enter": .enter, "return": .enter, "space": .character(" "),
            "backspace": .backspace, "delete": .delete,
        ]
        guard let key = named[lowered] else { return nil }
        self = key
    }
}

/// Everything a key can be bound to; the raw value is the name used under `keys:` in the
/// configuration file.
public enum DashboardAction: String, Sendable, Hashable, CaseIterable {
    case up, down, first, last
    case pageUp = "page-up"
    case pageDown = "page-down"
    case nextTab = "next-tab"
    case previousTab = "previous-tab"
    case tokenTab = "tab-token"
    case claimsTab = "tab-claims"
    case responsesTab = "tab-responses"
    case historyTab = "tab-history"
    case refresh
    case refreshAll = "refresh-all"
    case introspect, revoke, pause, copy, filter, sort
    case reverseSort = "reverse-sort"
    case zoom, layout, theme, reload, help, quit
    case diagnose
    case keySets = "key-sets"
    case events
    case eventsScope = "events-scope"
    case group

    /// What the help overlay says it does.
    public var summary: String {
        switch self {
        case .up: return "previous client"
        case .down: return "next client"
        case .first: return "first client"
        case .last: return "last client"
        case .pageUp: return "scroll details up"
        case .pageDown: return "scroll details down"
        case .nextTab: return "next tab"
        case .previousTab: return "previous tab"
        case .tokenTab: return "Token tab"
        case .claimsTab: return "Claims tab"
        case .responsesTab: return "Responses tab"
        case .historyTab: return "History tab"
        case .refresh: return "refresh selected token"
        case .refreshAll: return "refresh all tokens"
        case .introspect: return "introspect selected token"
        case .revoke: return "revoke token (asks)"
        case .pause: return "pause/resume polling"
        case .copy: return "copy token, OSC 52 (asks)"
        case .filter: return "filter name/scope/verdict"
        case .sort: return "sort name/expiry/status"
        case .reverseSort: return "reverse the sort order"
        case .zoom: return "zoom into the client"
        case .layout: return "list, details or both"
        case .theme: return "next theme"
        case .reload: return "reload the configuration"
        case .help: return "this help"
        case .quit: return "quit"
        case .diagnose: return "diagnose (3-way check)"
        case .keySets: return "issuers' key sets"
        case .events: return "event log"
        case .eventsScope: return "events: selected/all"
        case .group: return "group by issuer/instance"
        }
    }

    static let defaultKeys: [DashboardAction: [InputKey]] = [
        .up: [.up, .character("k")], .down: [.down, .character("j")],
        .first: [.character("g"), .home], .last: [.character("G"), .end],
        .pageUp: [.pageUp], .pageDown: [.pageDown],
        .nextTab: [.tab, .right, .character("l")], .previousTab: [.backTab, .left, .character("h")],
        .tokenTab: [.character("1")], .claimsTab: [.character("2")], .responsesTab: [.character("3")],
        .historyTab: [.character("4")],
        .refresh: [.character("r")], .refreshAll: [.character("R")], .introspect: [.character("i")],
        .revoke: [.character("x")], .pause: [.character("p")], .copy: [.character("y")],
        .filter: [.character("/")], .sort: [.character("s")], .reverseSort: [.character("S")],
        .zoom: [.enter], .layout: [.character("z")], .theme: [.character("t")], .reload: [.character("L")],
        .help: [.character("?"), .function(1)], .quit: [.character("q"), .function(10)],
        .diagnose: [.character("d")], .keySets: [.character("K")], .events: [.character("e")],
        .eventsScope: [.character("c")], .group: [.character("I")],
    ]
}

/// A `keys:` mapping that cannot be used: names the action or key at fault.
public struct KeyMapError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Kind: Sendable, Equatable {
        case unknownAction(String)
        case badKey(action: String, key: String)
        case reservedKey(action: String, key: String)
        case conflict(key: String, actions: [String])
    }

    private let kind: Kind

    private init(_ kind: Kind) { self.kind = kind }

    static func unknownAction(_ name: String) -> KeyMapError { KeyMapError(.unknownAction(name)) }
    static func badKey(action: String, key: String) -> KeyMapError { KeyMapError(.badKey(action: action, key: key)) }
    static func reservedKey(action: String, key: String) -> KeyMapError { KeyMapError(.reservedKey(action: action, key: key)) }
    static func conflict(key: String, actions: [String]) -> KeyMapError { KeyMapError(.conflict(key: key, actions: actions)) }

    public var description: String {
        switch kind {
        case .unknownAction(let name):
            let known = DashboardAction.allCases.map(\.rawValue).joined(separator: ", ")
            return "keys: unknown action '\(name)' (actions: \(known))"
        case .badKey(let action, let key):
            return
                "keys.\(action): '\(key)' is not a key (use one character, ctrl-x, or up, down, left, right, home, end, pgup, pgdn, tab, shift-tab, enter, space, backspace, delete, f1-f12)"
        case .reservedKey(let action, let key):
            return "keys.\(action): '\(key)' is reserved (Esc closes and cancels, Ctrl-C quits)"
        case .conflict(let key, let actions):
            return
                "keys: '\(key)' is bound to more than one action (\(actions.joined(separator: ", "))); bind one of them to another key"
        }
    }
}

/// Which key does what. A key given in the configuration replaces that action's default keys.
/// `Esc` (close, cancel, clear the filter) and `Ctrl-C` (quit) are fixed.
public struct KeyMap: Sendable, Equatable {
    private var actionsByKey: [InputKey: DashboardAction]
    private var keysByAction: [DashboardAction: [InputKey]]

    /// The keys everyone's fingers know.
    public static let standard = KeyMap(keysByAction: DashboardAction.defaultKeys)

    private init(keysByAction: [DashboardAction: [InputKey]]) {
        self.keysByAction = keysByAction
        actionsByKey = [:]
        for (action, keys) in keysByAction {
            for key in keys { actionsByKey[key] = action }
        }
    }

    /// The standard keys with the configuration's `keys:` applied (action name → key).
    public init(bindings: [String: String]) throws {
        var keysByAction = DashboardAction.defaultKeys
        for (name, keyName) in bindings.sorted(by: { $0.key < $1.key }) {
            guard let action = DashboardAction(rawValue: name) else { throw KeyMapError.unknownAction(name) }
            guard let key = InputKey(configName: keyName) else { throw KeyMapError.badKey(action: name, key: keyName) }
            if key == .escape || key == .controlC || key == .resize {
                throw KeyMapError.reservedKey(action: name, key: keyName)
            }
            keysByAction[action] = [key]
        }
        var owners: [InputKey: [DashboardAction]] = [:]
        for action in DashboardAction.allCases {
            for key in keysByAction[action] ?? [] { owners[key, default: []].append(action) }
        }
        if let (key, actions) = owners.filter({ $0.value.count > 1 }).min(by: { $0.key.label() < $1.key.label() }) {
            throw KeyMapError.conflict(key: key.label(), actions: actions.map(\.rawValue))
        }
        self.init(keysByAction: keysByAction)
    }

    /// The action a key is bound to.
    public func action(for key: InputKey) -> DashboardAction? {
        actionsByKey[key]
    }

    /// The keys bound to an action, the first being the one hints show.
    public func keys(for action: DashboardAction) -> [InputKey] {
        keysByAction[action] ?? []
    }

    /// `↑/k`: every key of an action, for help.
    public func label(for action: DashboardAction, glyphs: Glyphs = .unicode) -> String {
        keys(for: action).map { $0.label(glyphs: glyphs) }.joined(separator: "/")
    }
}
