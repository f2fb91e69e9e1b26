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
        // Ctrl-C is fixed, so it joins quit's keys; `y` is not listed: the question it answers says so.
        var entries = DashboardAction.allCases.map { action in
            let keys = [context.keyMap.label(for: action, glyphs: glyphs)] + (action == .quit ? [InputKey.controlC.label()] : [])
            return HelpEntry(key: keys.filter { !$0.isEmpty }.joined(separator: "/"), role: .key, text: action.summary)
        }
        entries.append(HelpEntry(key: "Esc", role: .key, text: "close, cancel, unfilter"))
        entries.append(HelpEntry(key: "Legend", role: .title, text: ""))
        for state in HealthState.displayOrder {
            entries.append(HelpEntry(key: state.label(glyphs), role: state.role, text: state.meaning))
        }
        entries.append(
            HelpEntry(key: String(glyphs.barFilled) + String(glyphs.barEmpty), role: .barFilled, text: "time left to expiry"))
        entries.append(HelpEntry(key: String(glyphs.barRefreshMark), role: .barMarker, text: "refresh point"))
        entries.append(HelpEntry(key: String(glyphs.retry), role: .text, text: "API retry after a 401"))
        entries.append(HelpEntry(key: String(glyphs.sparklineFailure), role: .chart, text: "API call, no answer"))
        entries.append(HelpEntry(key: String(glyphs.unchecked), role: .muted, text: "signature unverified"))
        entries.append(HelpEntry(key: "dim", role: .muted, text: "stale answer (old news)"))
        return entries
    }

    /// A box in the middle of the screen listing every key and the legend, in two columns
    /// when one is too tall; where even two do not fit, both scroll together by `scroll` rows.
    func drawHelp(_ canvas: inout Canvas, context: ScreenContext, scroll: Int) {
        let entries = Self.helpEntries(context)
        canvas.linesMade += entries.count
        let availableRows = canvas.height - 4
        /// Each column's keys get the width of its own longest key.
        func layout(columns: Int) -> (perColumn: Int, keyWidths: [Int], columnWidths: [Int], width: Int) {
            let perColumn = (entries.count + columns - 1) / columns
            var keyWidths: [Int] = []
            var columnWidths: [Int] = []
            for column in 0..<columns {
                let slice = entries.dropFirst(column * perColumn).prefix(perColumn)
                let keyWidth = min(14, (slice.map { $0.key.columnWidth }.max() ?? 0) + 1)
                keyWidths.append(keyWidth)
                columnWidths.append(keyWidth + (slice.map { $0.text.columnWidth }.max() ?? 0))
            }
            return (perColumn, keyWidths, columnWidths, 4 + (columns - 1) * 3 + columnWidths.reduce(0, +))
        }
        // Two columns when one is too tall and two fit side by side; else one, which scrolls.
        let twoColumns = layout(columns: 2)
        let (perColumn, keyWidths, naturalColumnWidths, naturalWidth) =
            entries.count > availableRows && twoColumns.width <= canvas.width - 2 ? twoColumns : layout(columns: 1)
        let boxWidth = min(canvas.width - 2, naturalWidth)
        let boxHeight = min(canvas.height - 2, perColumn + 2)
        let left = (canvas.width - boxWidth) / 2
        let top = (canvas.height - boxHeight) / 2
        // Where the box is cut, the last column gives up its end.
        var columnWidths = naturalColumnWidths
        columnWidths[columnWidths.count - 1] -= naturalWidth - boxWidth
        let visibleRows = boxHeight - 2
        let scroll = min(max(0, scroll), max(0, perColumn - visibleRows))
        let below = perColumn - visibleRows - scroll
        let glyphs = context.glyphs
        let pageDown = context.keyMap.keys(for: .pageDown).first?.label(glyphs: glyphs) ?? ""
        let pageUp = context.keyMap.keys(for: .pageUp).first?.label(glyphs: glyphs) ?? ""
        let footer =
            below > 0
            ? " \(glyphs.down) \(below) more (\(pageDown)) \(glyphs.separator) Esc closes "
            : scroll > 0 ? " \(glyphs.up) \(scroll) above (\(pageUp)) \(glyphs.separator) Esc closes " : " Esc closes "

        for y in top..<(top + boxHeight) { canvas.fill(row: y, x: left, count: boxWidth, role: .overlay) }
        drawBox(&canvas, left: left, top: top, width: boxWidth, height: boxHeight, title: " Keys ", footer: footer)
        for (index, entry) in entries.enumerated() {
            let column = index / perColumn
            let row = index % perColumn - scroll
            guard row >= 0, row < visibleRows else { continue }
            let x = left + 2 + columnWidths.prefix(column).reduce(0, +) + column * 3
            let y = top + 1 + row
            let keyWidth = keyWidths[column]
            canvas.put(entry.key, x: x, y: y, width: keyWidth, role: entry.role)
            canvas.put(entry.text, x: x + keyWidth, y: y, width: max(0, columnWidths[column] - keyWidth), role: .overlay)
        }
    }

    func drawBox(_ canvas: inout Canvas, left: Int, top: Int, width: Int, height: Int, title: String, footer: String) {
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

    /// The event log's selected line whole, wrapped in a box over the log: `Enter` opens and
    /// closes it, `Esc` closes it.
    func drawOpenEvent(_ canvas: inout Canvas, entry: EventLogView.Entry) {
        let (text, role) = entry.words
        let heading = TimeText.clock(entry.at) + "  " + TerminalText.sanitize(entry.client)
        let boxWidth = max(20, canvas.width - 4)
        var lines = [Span(heading, .muted)]
        lines += Self.wrap(text, width: boxWidth - 4).map { Span($0, role) }
        let boxHeight = min(canvas.height - 3, lines.count + 2)
        let left = (canvas.width - boxWidth) / 2
        let top = max(2, (canvas.height - boxHeight) / 2)
        for y in top..<(top + boxHeight) { canvas.fill(row: y, x: left, count: boxWidth, role: .overlay) }
        drawBox(
            &canvas, left: left, top: top, width: boxWidth, height: boxHeight, title: " Event ", footer: " Enter or Esc closes ")
        for (offset, line) in lines.prefix(boxHeight - 2).enumerated() {
            canvas.put(line.text, x: left + 2, y: top + 1 + offset, width: boxWidth - 4, role: line.role)
        }
    }

    /// Like btop: says the size there is and the size needed.
    func drawTooSmall(_ canvas: inout Canvas, size: TerminalSize) {
        let needed = TerminalSize.minimum
        let lines: [[Span]] = [
            [Span("Terminal size too small:", .title)],
            [
                Span("Width = "), Span("\(size.columns)", size.columns < needed.columns ? .critical : .ok),
                Span(" Height = "), Span("\(size.rows)", size.rows < needed.rows ? .critical : .ok),
            ],
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
