import Dashboard
import Foundation

/// The dashboard's keys in words, read from the standard key map and each action's help text,
/// so `tokentop dashboard --help`, the man page made from it and the help overlay cannot disagree.
enum DashboardKeysHelp {
    /// Each action: its default keys as help labels them on an ASCII terminal (`Up/k`, since man
    /// pages drop the arrows), what it does, its `keys:` name.
    static var entries: [(keys: String, summary: String, action: String)] {
        DashboardAction.allCases.map { (KeyMap.standard.label(for: $0, glyphs: .ascii), $0.summary, $0.rawValue) }
    }

    /// The discussion of `tokentop dashboard`: one line per action, then the fixed keys.
    static var discussion: String {
        let width = (entries.map(\.keys.count).max() ?? 0) + 2
        let lines = entries.map { entry in
            "  " + entry.keys.padding(toLength: width, withPad: " ", startingAt: 0) + entry.summary + " [\(entry.action)]"
        }
        return
            (["Keys (rebind one under keys: in the configuration by the name in brackets):"] + lines + [
                "  " + "Esc".padding(toLength: width, withPad: " ", startingAt: 0) + "close, cancel, unfilter (fixed)",
                "  " + "Ctrl-C".padding(toLength: width, withPad: " ", startingAt: 0) + "quit (fixed)",
            ]).joined(separator: "\n")
    }
}
