import TokenModel

/// The help overlay and the too-small screen.
extension Renderer {
    /// One line of the help overlay: a key (or a symbol of the legend) and what it means.
    struct HelpEntry {
        var key: String
        var role: StyleRole
        var text: String
    }

    /// Every key, then the legend: every verdict's symbol and word, and the other marks the
    /// screen draws.
    static func helpEntries(_ context: ScreenContext) -> [HelpEntry] {
        let glyphs = context.glyphs
        var entries = DashboardAction.allCases.map {
            HelpEntry(key: context.keyMap.label(for: $0, glyphs: glyphs), role: .key, text: $0.summary)
        }
        entries.append(HelpEntry(key: "Esc", role: .key, text: "close, cancel, unfilter"))
        entries.append(HelpEntry(key: "^C", role: .key, text: "quit"))
        entries.append(HelpEntry(key: "y", role: .key, text: "yes; any other key no"))
        entries.append(HelpEntry(key: "Legend", role: .title, text: ""))
        for state in HealthState.displayOrder {
            entries.append(HelpEntry(key: state.label(glyphs), role: state.role, text: state.meaning))
        }
        entries.append(HelpEntry(key: String(glyphs.barFilled) + String(glyphs.barEmpty), role: .barFilled, text: "time left to expiry"))
        entries.append(HelpEntry(key: String(glyphs.barRefreshMark), role: .barMarker, text: "refresh point"))
        entries.append(HelpEntry(key: String(glyphs.retry), role: .text, text: "API retry after a 401"))
        entries.append(HelpEntry(key: String(glyphs.sparklineFailure), role: .chart, text: "API call, no answer"))
        entries.append(HelpEntry(key: String(glyphs.unchecked), role: .muted, text: "signature unverified"))
        entries.append(HelpEntry(key: "dim", role: .muted, text: "stale answer (old news)"))
        return entries
    }

    /// A box in the middle of the screen listing every key and the legend, in two columns
    /// when one is too tall.
    func drawHelp(_ canvas: inout Canvas, context: ScreenContext) {
        let entries = Self.helpEntries(context)
        let availableRows = canvas.height - 4
        let columns = entries.count <= availableRows ? 1 : 2
        let perColumn = (entries.count + columns - 1) / columns
        /// Each column's keys get the width of its own longest key.
        let keyWidths = (0..<columns).map { column in
            min(14, (entries.dropFirst(column * perColumn).prefix(perColumn).map { $0.key.columnWidth }.max() ?? 0) + 1)
        }
        let entryWidth = (keyWidths.max() ?? 0) + (entries.map { $0.text.columnWidth }.max() ?? 0)
        let boxWidth = min(canvas.width - 2, columns * entryWidth + (columns - 1) * 3 + 4)
        let boxHeight = min(canvas.height - 2, perColumn + 2)
        let left = (canvas.width - boxWidth) / 2
        let top = (canvas.height - boxHeight) / 2
        let inner = boxWidth - 4
        let columnWidth = columns == 1 ? inner : (inner - 3) / 2

        for y in top..<(top + boxHeight) { canvas.fill(row: y, x: left, count: boxWidth, role: .overlay) }
        drawBox(&canvas, left: left, top: top, width: boxWidth, height: boxHeight, title: " Keys ", footer: " Esc closes ")
        for (index, entry) in entries.enumerated() {
            let column = index / perColumn
            let row = index % perColumn
            guard row < boxHeight - 2 else { continue }
            let x = left + 2 + column * (columnWidth + 3)
            let y = top + 1 + row
            let keyWidth = keyWidths[column]
            canvas.put(entry.key, x: x, y: y, width: keyWidth, role: entry.role)
            canvas.put(entry.text, x: x + keyWidth, y: y, width: columnWidth - keyWidth, role: .overlay)
        }
    }

    private func drawBox(_ canvas: inout Canvas, left: Int, top: Int, width: Int, height: Int, title: String, footer: String) {
        let glyphs = canvas.glyphs
        let right = left + width - 1
        let bottom = top + height - 1
        canvas.fill(row: top, x: left + 1, count: width - 2, role: .border, with: glyphs.horizontal)
        canvas.fill(row: bottom, x: left + 1, count: width - 2, role: .border, with: glyphs.horizontal)
        for y in (top + 1)..<bottom {
            canvas.put(glyphs.vertical, x: left, y: y, role: .border)
            canvas.put(glyphs.vertical, x: right, y: y, role: .border)
        }
        canvas.put(glyphs.topLeft, x: left, y: top, role: .border)
        canvas.put(glyphs.topRight, x: right, y: top, role: .border)
        canvas.put(glyphs.bottomLeft, x: left, y: bottom, role: .border)
        canvas.put(glyphs.bottomRight, x: right, y: bottom, role: .border)
        canvas.put(title, x: left + (width - title.columnWidth) / 2, y: top, role: .title)
        canvas.put(footer, x: left + (width - footer.columnWidth) / 2, y: bottom, role: .muted)
    }

    /// Like btop: says the size there is and the size needed.
    func drawTooSmall(_ canvas: inout Canvas, size: TerminalSize) {
        let needed = TerminalSize.minimum
        let lines: [[Span]] = [
            [Span("Terminal size too small:", .title)],
            [Span("Width = "), Span("\(size.columns)", size.columns < needed.columns ? .critical : .ok),
             Span(" Height = "), Span("\(size.rows)", size.rows < needed.rows ? .critical : .ok)],
            [],
            [Span("Needed for tokentop:", .title)],
            [Span("Width = \(needed.columns) Height = \(needed.rows)")],
        ]
        let top = max(0, (size.rows - lines.count) / 2)
        for (offset, line) in lines.enumerated() where top + offset < size.rows {
            let width = line.reduce(0) { $0 + $1.text.columnWidth }
            canvas.put(line, x: max(0, (size.columns - width) / 2), y: top + offset, width: size.columns)
        }
    }
}
