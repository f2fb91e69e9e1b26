/// What the renderer needs beyond the snapshot and the view: fixed for a session except the
/// theme, which `t` changes.
public struct ScreenContext: Sendable {
    /// The configuration file, as the header shows it.
    public var configurationPath: String
    public var theme: Theme
    public var colorDepth: ColorDepth
    public var glyphs: Glyphs
    public var keyMap: KeyMap

    public init(
        configurationPath: String, theme: Theme = .builtIn, colorDepth: ColorDepth, glyphs: Glyphs, keyMap: KeyMap = .standard
    ) {
        self.configurationPath = configurationPath
        self.theme = theme
        self.colorDepth = colorDepth
        self.glyphs = glyphs
        self.keyMap = keyMap
    }
}

/// A frame being drawn: the grid plus the palette and glyphs, with writing by role.
struct Canvas {
    var frame: Frame
    let palette: Palette
    let glyphs: Glyphs
    /// The rows and lines made for this frame (table rows, pane and screen lines, help entries):
    /// what a frame's cost grows with, beyond one pass over the clients. Tests check that it
    /// does not grow with the fleet.
    var linesMade = 0
    /// Where the parts of the screen were put (nil when the terminal is too small): what a key
    /// or a click on this frame hits.
    var layout: ScreenLayout?

    init(size: TerminalSize, palette: Palette, glyphs: Glyphs) {
        frame = Frame(width: size.columns, height: size.rows, style: palette[.text])
        self.palette = palette
        self.glyphs = glyphs
    }

    var width: Int { frame.width }
    var height: Int { frame.height }

    /// Writes text in a role, cut with an ellipsis at `width` columns. Returns the columns used.
    @discardableResult
    mutating func put(_ text: some StringProtocol, x: Int, y: Int, width: Int? = nil, role: StyleRole) -> Int {
        frame.write(text, column: x, row: y, maxWidth: width, style: palette[role], ellipsis: glyphs.ellipsis)
    }

    @discardableResult
    mutating func put(_ scalar: Unicode.Scalar, x: Int, y: Int, role: StyleRole) -> Int {
        frame.write(String(scalar), column: x, row: y, maxWidth: 2, style: palette[role])
    }

    mutating func fill(row: Int, x: Int = 0, count: Int? = nil, role: StyleRole, with scalar: Unicode.Scalar = " ") {
        frame.fill(row: row, column: x, count: count, style: palette[role], with: scalar)
    }

    mutating func restyle(row: Int, x: Int = 0, count: Int? = nil, role: StyleRole) {
        frame.restyle(row: row, column: x, count: count, style: palette[role])
    }

    /// Writes spans one after another; returns the column after the last.
    @discardableResult
    mutating func put(_ spans: [Span], x: Int, y: Int, width: Int) -> Int {
        var column = x
        let end = x + width
        for span in spans where column < end {
            column += put(span.text, x: column, y: y, width: end - column, role: span.role)
        }
        return column
    }
}

/// A piece of a line in one role.
struct Span {
    var text: String
    var role: StyleRole

    init(_ text: String, _ role: StyleRole = .text) {
        self.text = text
        self.role = role
    }
}

extension String {
    /// Columns this text takes on screen.
    var columnWidth: Int {
        unicodeScalars.reduce(0) { $0 + CharacterWidth.columns(of: $1) }
    }
}
