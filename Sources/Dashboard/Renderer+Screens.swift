import Foundation
import TokenModel

/// A screen's lines, each made only when a frame draws it: a screen of 100,000 lines costs
/// what its visible rows cost.
struct ScreenLines {
    let count: Int
    /// Lines made before any is drawn (a list given whole): all of them count against the frame.
    let madeAhead: Int
    private let make: (Int) -> [Span]

    /// `count` lines, line `index` made by `line(index)` when it is drawn.
    init(count: Int, line: @escaping (Int) -> [Span]) {
        self.count = count
        madeAhead = 0
        make = line
    }

    /// A few lines, already made.
    init(_ lines: [[Span]]) {
        count = lines.count
        madeAhead = lines.count
        make = { lines[$0] }
    }

    func line(_ index: Int) -> [Span] { make(index) }

    /// The lines made for a frame that draws `drawn` of them.
    func made(drawing drawn: Int) -> Int { madeAhead > 0 ? madeAhead : drawn }
}

/// The screens that take the place of the clients table and detail pane: key sets and the
/// event log. A title line, then lines that scroll, with a marker saying how many are hidden.
extension Renderer {
    func drawScreen(
        _ canvas: inout Canvas, snapshot: ManagerSnapshot, client: ClientSnapshot?, state: ViewState, now: Date,
        context: ScreenContext
    ) {
        let rows = 2..<(canvas.height - 1)
        let glyphs = context.glyphs
        let lines: ScreenLines
        var events: [EventLogView.Entry]?
        var title = [Span(" " + state.screen.title + " ", .title)]
        switch state.screen {
        case .clients:
            return
        case .keySets:
            let (issuers, keySetLines) = Self.keySetScreen(snapshot, selected: client, now: now, glyphs: glyphs)
            lines = keySetLines
            title.append(
                Span(
                    "\(glyphs.separator) \(issuers) \(issuers == 1 ? "issuer" : "issuers") \(glyphs.separator) changes oldest first",
                    .muted))
        case .events:
            let entries = EventLogView.entries(snapshot, state: state, now: now)
            events = entries
            lines = Self.eventLines(entries, glyphs: glyphs)
            let whose =
                state.eventsOfSelectedOnly
                ? (client.map { TerminalText.sanitize($0.name) + " only" } ?? "no client selected")
                : state.filterText.isEmpty
                    ? "every client" : "clients matching \u{201C}\(TerminalText.sanitize(state.filterText))\u{201D}"
            title.append(
                Span(
                    "\(glyphs.separator) \(whose) \(glyphs.separator) \(entries.count) \(entries.count == 1 ? "event" : "events") \(glyphs.separator) newest at the bottom",
                    .muted))
        }
        canvas.fill(row: 1, role: .columns)
        canvas.put(title, x: 1, y: 1, width: canvas.width - 2)
        let drawn = drawScrolled(
            &canvas, lines: lines, rows: rows, scroll: state.screenScroll, fromBottom: state.screen == .events, context: context)
        // The log's newest line shown is its selected line, the one Enter opens whole.
        guard state.screen == .events, let entries = events, let selected = Self.selectedEvent(entries.count, drawn: drawn) else {
            return
        }
        canvas.put(context.glyphs.selectionMarker, x: 0, y: drawn.rows.lowerBound + selected - drawn.first, role: .selection)
        if state.isEventOpen { drawOpenEvent(&canvas, entry: entries[selected]) }
    }

    /// The event log's selected line: the newest of those drawn.
    static func selectedEvent(_ count: Int, drawn: (first: Int, rows: Range<Int>)) -> Int? {
        guard count > 0, !drawn.rows.isEmpty else { return nil }
        return min(count - 1, drawn.first + drawn.rows.count - 1)
    }

    /// Lines in `rows`, scrolled `scroll` lines from the top, or from the bottom (a log that
    /// follows its newest line); where they do not fit, the last row says how many more there are.
    /// Only the lines drawn are made. Returns the first line drawn and the rows lines are drawn in.
    @discardableResult
    func drawScrolled(
        _ canvas: inout Canvas, lines: ScreenLines, rows: Range<Int>, scroll: Int, fromBottom: Bool, context: ScreenContext
    ) -> (first: Int, rows: Range<Int>) {
        guard !rows.isEmpty else { return (0, rows) }
        let overflows = lines.count > rows.count && rows.count > 1
        let body = overflows ? rows.lowerBound..<(rows.upperBound - 1) : rows
        let hiddenAtMost = Self.screenScrollLimit(lines: lines.count, rows: rows.count)
        let scroll = min(max(0, scroll), hiddenAtMost)
        let first = fromBottom ? hiddenAtMost - scroll : scroll
        var drawn = 0
        for (offset, y) in body.enumerated() {
            let index = first + offset
            guard index < lines.count else { break }
            canvas.put(lines.line(index), x: 1, y: y, width: canvas.width - 2)
            drawn += 1
        }
        canvas.linesMade += lines.made(drawing: drawn)
        let drawnRows = body.lowerBound..<(body.lowerBound + drawn)
        guard overflows else { return (first, drawnRows) }
        let glyphs = context.glyphs
        let down = context.keyMap.keys(for: .pageDown).first?.label(glyphs: glyphs) ?? ""
        let up = context.keyMap.keys(for: .pageUp).first?.label(glyphs: glyphs) ?? ""
        let above = first
        let below = lines.count - first - body.count
        var parts: [String] = []
        if above > 0 { parts.append("\(glyphs.up) \(above) \(fromBottom ? "older" : "above") (\(up))") }
        if below > 0 { parts.append("\(glyphs.down) \(below) \(fromBottom ? "newer" : "more") (\(down))") }
        let note = " " + parts.joined(separator: " \(glyphs.separator) ") + " "
        canvas.put(note, x: max(0, canvas.width - note.columnWidth - 1), y: rows.upperBound - 1, role: .muted)
        return (first, drawnRows)
    }

    /// The farthest a screen of `lines` lines scrolls in `rows` rows: where it overflows, the
    /// last row holds the `↓ N more` note. One rule for drawing and for the keys.
    static func screenScrollLimit(lines: Int, rows: Int) -> Int {
        let overflows = lines > rows && rows > 1
        return max(0, lines - (overflows ? rows - 1 : rows))
    }

    /// How many lines the open screen has.
    static func screenLineCount(_ snapshot: ManagerSnapshot, state: ViewState, now: Date) -> Int {
        switch state.screen {
        case .clients: return 0
        case .events: return EventLogView.entries(snapshot, state: state, now: now).count
        case .keySets:
            let order = ClientList.visibleIndices(snapshot, state: state, now: now)
            let selected = ClientList.selectedPosition(in: order, of: snapshot, state: state).map { snapshot.clients[order[$0]] }
            return keySetScreen(snapshot, selected: selected, now: now, glyphs: .ascii).lines.count
        }
    }

    /// The footer's key hints on a screen.
    static func screenHints(_ state: ViewState, keyMap: KeyMap, glyphs: Glyphs) -> [Span] {
        var hints = [Span(" Esc", .key), Span(" back", .muted)]
        if !state.filterText.isEmpty {
            hints.insert(Span(" filter \u{201C}\(TerminalText.sanitize(state.filterText))\u{201D}", .message), at: 0)
        }
        func hint(_ action: DashboardAction, _ text: String) {
            guard let key = keyMap.keys(for: action).first else { return }
            hints.append(Span(" " + key.label(glyphs: glyphs), .key))
            hints.append(Span(" " + text, .muted))
        }
        let up = keyMap.keys(for: .up).first?.label(glyphs: glyphs) ?? ""
        let down = keyMap.keys(for: .down).first?.label(glyphs: glyphs) ?? ""
        hints += [Span(" \(up)\(down)", .key), Span(" scroll", .muted)]
        switch state.screen {
        case .events:
            hint(.zoom, "open line")
            hint(.eventsScope, "selected/all")
            hint(.filter, "filter")
            hint(.keySets, "key sets")
        case .keySets:
            hint(.events, "events")
        case .clients:
            break
        }
        hint(.diagnose, "diagnose")
        hint(.help, "help")
        return hints
    }
}
