/// A colour the terminal can show, after a theme colour was fitted to its colour depth.
public enum TerminalColor: Sendable, Hashable {
    /// The terminal's own foreground or background (`-1` to ncurses).
    case terminalDefault
    /// A palette entry: 0–7 on 8-colour terminals, 0–15 or 0–255 on richer ones.
    case indexed(UInt8)

    /// The ncurses colour number: -1 for the terminal's default.
    public var cursesNumber: Int32 {
        switch self {
        case .terminalDefault: return -1
        case .indexed(let index): return Int32(index)
        }
    }
}

/// Bold, dim, reverse and underline: what carries meaning when colour is off.
public struct TextAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = TextAttributes(rawValue: 1 << 0)
    public static let dim = TextAttributes(rawValue: 1 << 1)
    public static let reverse = TextAttributes(rawValue: 1 << 2)
    public static let underline = TextAttributes(rawValue: 1 << 3)
}

/// How one cell is drawn: colours already fitted to the terminal, plus attributes.
public struct Style: Sendable, Hashable {
    public var foreground: TerminalColor
    public var background: TerminalColor
    public var attributes: TextAttributes

    public init(
        foreground: TerminalColor = .terminalDefault, background: TerminalColor = .terminalDefault,
        attributes: TextAttributes = []
    ) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }

    /// The terminal's defaults, no attributes.
    public static let plain = Style()
}

/// The size of the terminal, in cells.
public struct TerminalSize: Sendable, Hashable {
    public var columns: Int
    public var rows: Int

    public init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
    }

    /// Below this the dashboard shows only a note of the size it needs.
    public static let minimum = TerminalSize(columns: 60, rows: 15)

    /// True when both sides reach the minimum.
    public var isUsable: Bool { columns >= Self.minimum.columns && rows >= Self.minimum.rows }
}
