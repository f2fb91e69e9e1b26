/// The help overlay and the too-small screen.
extension Renderer {
    /// A box in the middle of the screen listing every key, in two columns when one is too tall.
    func drawHelp(_ canvas: inout Canvas, context: ScreenContext) {
        let glyphs = context.glyphs
        var entries: [(String, String)] = DashboardAction.allCases.map {
            (context.keyMap.label(for: $0, glyphs: glyphs), $0.summary)
        }
        entries.append(("Esc", "close, cancel, clear filter"))
        entries.append(("^C", "quit"))
        entries.append(("y/Enter", "yes to a question"))
        let keyWidth = min(14, (entries.map { $0.0.columnWidth }.max() ?? 0) + 2)
        let entryWidth = keyWidth + (entries.map { $0.1.columnWidth }.max() ?? 0)
        let availableRows = canvas.height - 4
        let columns = entries.count <= availableRows ? 1 : 2
        let perColumn = (entries.count + columns - 1) / columns
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
            canvas.put(entry.0, x: x, y: y, width: keyWidth - 1, role: .key)
            canvas.put(entry.1, x: x + keyWidth, y: y, width: columnWidth - keyWidth, role: .overlay)
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
