/// The symbols the dashboard draws with: box drawing and status marks where the locale is
/// UTF-8, plain ASCII otherwise.
public struct Glyphs: Sendable, Hashable {
    public var horizontal: Unicode.Scalar
    public var vertical: Unicode.Scalar
    public var topLeft: Unicode.Scalar
    public var topRight: Unicode.Scalar
    public var bottomLeft: Unicode.Scalar
    public var bottomRight: Unicode.Scalar
    public var ellipsis: Unicode.Scalar
    public var selectionMarker: Unicode.Scalar
    public var barFilled: Unicode.Scalar
    public var barEmpty: Unicode.Scalar
    public var barRefreshMark: Unicode.Scalar
    /// Eight levels, lowest first.
    public var sparkline: [Unicode.Scalar]
    /// A sparkline point for a call that got no answer.
    public var sparklineFailure: Unicode.Scalar
    public var ok: Unicode.Scalar
    public var refreshDue: Unicode.Scalar
    public var expiring: Unicode.Scalar
    public var expired: Unicode.Scalar
    public var error: Unicode.Scalar
    public var fetching: Unicode.Scalar
    public var noToken: Unicode.Scalar
    public var cursor: Unicode.Scalar
    public var bullet: Unicode.Scalar
    public var up: String
    public var down: String
    /// Marks the column the table is sorted by.
    public var sortMarker: Unicode.Scalar

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        ellipsis: "…", selectionMarker: "▶", barFilled: "█", barEmpty: "░", barRefreshMark: "┃",
        sparkline: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], sparklineFailure: "×",
        ok: "✔", refreshDue: "↻", expiring: "▲", expired: "✖", error: "✘", fetching: "⋯", noToken: "○",
        cursor: "█", bullet: "•", up: "↑", down: "↓", sortMarker: "↓")

    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        ellipsis: "~", selectionMarker: ">", barFilled: "#", barEmpty: ".", barRefreshMark: "|",
        sparkline: ["_", ".", ",", "-", "=", "+", "*", "#"], sparklineFailure: "x",
        ok: "+", refreshDue: "*", expiring: "^", expired: "x", error: "!", fetching: ":", noToken: "-",
        cursor: "_", bullet: "-", up: "Up", down: "Dn", sortMarker: "v")
}
