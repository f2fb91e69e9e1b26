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
    /// The five verdicts (`HealthState.symbol(_:)` maps them): each its own shape, so
    /// `expired` and `error` differ without colour.
    public var ok: Unicode.Scalar
    public var degraded: Unicode.Scalar
    public var pending: Unicode.Scalar
    public var expired: Unicode.Scalar
    public var error: Unicode.Scalar
    /// Marks an API call that was the retry after a 401 forced a refresh.
    public var retry: Unicode.Scalar
    /// A signature not checked (opaque token, no key set).
    public var unchecked: Unicode.Scalar
    /// Stands for "nothing configured here" (no `resource-uri`).
    public var none: String
    /// Between the parts of a short summary: `200 4ms · 12s ago`.
    public var separator: String
    public var cursor: Unicode.Scalar
    public var bullet: Unicode.Scalar
    public var up: String
    public var down: String
    public var left: String
    public var right: String
    /// Marks the column the table is sorted by, in its natural order (A to Z, soonest first).
    public var sortMarker: Unicode.Scalar
    /// The same column sorted the other way round (`S`).
    public var sortMarkerReversed: Unicode.Scalar

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        ellipsis: "…", selectionMarker: "▶", barFilled: "█", barEmpty: "░", barRefreshMark: "┃",
        sparkline: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], sparklineFailure: "×",
        ok: "✔", degraded: "▲", pending: "⋯", expired: "✖", error: "✘", retry: "↻", unchecked: "○", none: "—", separator: "·",
        cursor: "█", bullet: "•", up: "↑", down: "↓", left: "←", right: "→", sortMarker: "↓",
        sortMarkerReversed: "↑")

    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        ellipsis: "~", selectionMarker: ">", barFilled: "#", barEmpty: ".", barRefreshMark: "|",
        sparkline: ["_", ".", ",", "-", "=", "+", "*", "#"], sparklineFailure: "x",
        ok: "+", degraded: "^", pending: ":", expired: "x", error: "!", retry: "*", unchecked: "o", none: "-", separator: "|",
        cursor: "_", bullet: "-", up: "Up", down: "Dn", left: "Left", right: "Right", sortMarker: "v",
        sortMarkerReversed: "^")
}
