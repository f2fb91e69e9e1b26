import Foundation
import TokenModel

/// Turns a snapshot, the view state, the terminal size and the time into a frame of cells.
/// Pure and terminal-free; only visible rows are drawn, so a thousand clients cost little.
public struct Renderer: Sendable {
    public init() {}

    /// Draws one frame.
    public func render(
        _ snapshot: ManagerSnapshot, state: ViewState, size: TerminalSize, now: Date, context: ScreenContext
    ) -> Frame {
        draw(snapshot, state: state, size: size, now: now, context: context).frame
    }

    /// Draws one frame, with the layout it was drawn in (nil when the terminal is too small),
    /// so a key read while the frame is on screen is handled against what the user sees,
    /// without arranging the screen a second time.
    public func renderWithLayout(
        _ snapshot: ManagerSnapshot, state: ViewState, size: TerminalSize, now: Date, context: ScreenContext
    ) -> (frame: Frame, layout: ScreenLayout?) {
        let canvas = draw(snapshot, state: state, size: size, now: now, context: context)
        return (canvas.frame, canvas.layout)
    }

    /// Draws one frame, and says how many lines were made for it.
    func draw(
        _ snapshot: ManagerSnapshot, state: ViewState, size: TerminalSize, now: Date, context: ScreenContext
    ) -> Canvas {
        var canvas = Canvas(size: size, palette: context.theme.palette(depth: context.colorDepth), glyphs: context.glyphs)
        guard size.isUsable else {
            drawTooSmall(&canvas, size: size)
            return canvas
        }
        let screen = arrange(snapshot, state: state, size: size, now: now, context: context)
        let layout = screen.layout
        canvas.layout = layout
        canvas.linesMade += screen.detailLines.count
        drawHeader(&canvas, snapshot: snapshot, states: screen.states, order: screen.order, now: now, context: context)
        if state.screen != .clients {
            drawScreen(&canvas, snapshot: snapshot, client: screen.client, state: state, now: now, context: context)
            drawFooter(&canvas, state: state, zoomed: false, now: now, context: context)
            if state.isHelpVisible { drawHelp(&canvas, context: context, scroll: state.helpScroll) }
            return canvas
        }
        if !screen.isZoomed {
            drawTable(
                &canvas, snapshot: snapshot, order: screen.order, groups: screen.groups,
                selected: screen.selected, state: state, layout: layout, now: now)
        }
        if let row = layout.tabBarRow {
            drawTabBar(
                &canvas, client: screen.client, position: screen.selected.map { ($0, screen.order.count) }, state: state,
                row: row,
                zoomed: screen.isZoomed, context: context)
        }
        drawDetail(&canvas, client: screen.client, lines: screen.detailLines, state: state, layout: layout, context: context)
        drawFooter(&canvas, state: state, zoomed: screen.isZoomed, now: now, context: context)
        if state.isHelpVisible { drawHelp(&canvas, context: context, scroll: state.helpScroll) }
        return canvas
    }

    /// Where the parts of the screen are for this snapshot and view: what a click is tested
    /// against, computed as `render` computes it.
    public func layout(_ snapshot: ManagerSnapshot, state: ViewState, size: TerminalSize, now: Date, context: ScreenContext)
        -> ScreenLayout
    {
        arrange(snapshot, state: state, size: size, now: now, context: context).layout
    }

    /// What a frame is drawn from: each client's verdict state once, the table's order, the
    /// selection, the pane's lines and the layout that follows from them. The rows on screen
    /// ask for their whole verdicts, reasons included, as they are drawn.
    private struct Arrangement {
        var states: [HealthState]
        var order: [Int]
        /// The table's groups, when `I` grouped it.
        var groups: ClientGroups?
        var selected: Int?
        var client: ClientSnapshot?
        var isZoomed: Bool
        var detailLines: [[Span]]
        var layout: ScreenLayout
    }

    private func arrange(_ snapshot: ManagerSnapshot, state: ViewState, size: TerminalSize, now: Date, context: ScreenContext)
        -> Arrangement
    {
        let states = snapshot.healthStates(at: now)
        let order = ClientList.visibleIndices(snapshot, state: state) { states[$0] }
        let groups =
            state.isGrouped
            ? ClientGroups(order: order, clients: snapshot.clients, states: states) { snapshot.clients[$0].health(at: now) }
            : nil
        let selected = ClientList.selectedPosition(in: order, of: snapshot, state: state)
        let client = selected.map { snapshot.clients[order[$0]] }
        // Zoomed with no client (a filter hid them all) is the ordinary screen.
        let isZoomed = state.isZoomed && client != nil
        let lines =
            client.map {
                Self.detailLines($0, tab: state.tab, width: size.columns - 2, now: now, context: context, zoomed: isZoomed)
            } ?? []
        // History's column titles stay in place while its lines scroll under them.
        let layout = ScreenLayout(
            size: size, clientCount: order.count, selected: selected, paneLines: lines.count,
            pinnedPaneLines: state.tab == .history ? 1 : 0, paneLayout: state.paneLayout, zoomed: isZoomed,
            lineClients: groups.map { $0.lines.map { line in if case .client(let position) = line { position } else { nil } } })
        return Arrangement(
            states: states, order: order, groups: groups, selected: selected, client: client, isZoomed: isZoomed,
            detailLines: lines, layout: layout)
    }

    // MARK: Header

    /// `tokentop  …/tokentop.yaml   ✔ 3 ok · ▲ 1 degraded · ✘ 2 error (6 of 9 shown)   03:00:00 UTC`:
    /// the counts are of the rows shown, so they add up to the table, and say when a filter hides some.
    private func drawHeader(
        _ canvas: inout Canvas, snapshot: ManagerSnapshot, states: [HealthState], order: [Int], now: Date,
        context: ScreenContext
    ) {
        let glyphs = context.glyphs
        canvas.fill(row: 0, role: .header)
        var counts: [HealthState: Int] = [:]
        for index in order { counts[states[index], default: 0] += 1 }
        let clock = TimeText.clock(now) + " UTC"
        let room = canvas.width - clock.count - 1 - " tokentop ".count - 3
        let countSpans = Self.countSpans(counts, shown: order.count, total: snapshot.clients.count, room: room, glyphs: glyphs)
        let countsWidth = countSpans.reduce(0) { $0 + $1.text.columnWidth }
        let width = canvas.width
        var x = canvas.put(" tokentop ", x: 0, y: 0, role: .title)
        let clockX = width - clock.count - 1
        let countsX = max(x + 1, clockX - 2 - countsWidth)
        let pathWidth = countsX - x - 2
        if pathWidth >= 8 {
            x += 1
            canvas.put(
                Self.leftTruncated(TerminalText.sanitize(context.configurationPath), width: pathWidth, glyphs: glyphs), x: x,
                y: 0, role: .header)
        }
        canvas.put(countSpans, x: countsX, y: 0, width: clockX - countsX - 1)
        canvas.put(clock, x: clockX, y: 0, role: .header)
    }

    /// The verdict counts in the widest form that fits `room`: `✔ 3 ok · ▲ 1 degraded`, then
    /// `✔3 ok ▲1 degraded`, then `✔3 ▲1`; a filter that hides rows adds `(6 of 9 shown)`.
    static func countSpans(_ counts: [HealthState: Int], shown: Int, total: Int, room: Int, glyphs: Glyphs) -> [Span] {
        guard total > 0 else { return [Span("no clients", .header)] }
        let present = HealthState.displayOrder.compactMap { state in counts[state].flatMap { $0 > 0 ? (state, $0) : nil } }
        let filtered = shown < total ? "(\(shown) of \(total) shown)" : ""
        let forms: [(separator: String, piece: (HealthState, Int) -> String)] = [
            (" \(glyphs.separator) ", { "\($0.symbol(glyphs)) \($1) \($0.rawValue)" }),
            ("  ", { "\($0.symbol(glyphs))\($1) \($0.rawValue)" }),
            (" ", { "\($0.symbol(glyphs))\($1)" }),
        ]
        var spans: [Span] = []
        for form in forms {
            spans = []
            for (state, count) in present {
                if !spans.isEmpty { spans.append(Span(form.separator, .header)) }
                spans.append(Span(form.piece(state, count), state.role))
            }
            if !filtered.isEmpty { spans.append(Span((spans.isEmpty ? "" : " ") + filtered, .header)) }
            if spans.reduce(0, { $0 + $1.text.columnWidth }) <= room { break }
        }
        return spans
    }

    /// `…/config/tokentop.yaml`: paths keep their end, where the file name is.
    static func leftTruncated(_ text: String, width: Int, glyphs: Glyphs) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count > width, width > 1 else { return text }
        var result = String.UnicodeScalarView()
        result.append(glyphs.ellipsis)
        result.append(contentsOf: scalars.suffix(width - 1))
        return String(result)
    }

    /// The last API answer with its age, dim when it is old news; `—` without a `resource-uri`,
    /// or without a token to call it with. The age is to the second where it matters (a
    /// failure, `refused 2ms · 8s ago`, or old news) and in steps for a fresh success
    /// (`200 12ms · <1m ago`), so a healthy row does not change every second.
    static func answerSummary(_ client: ClientSnapshot, now: Date, glyphs: Glyphs, withLatency: Bool = true) -> (
        String, StyleRole
    ) {
        guard client.resourceURI != nil else { return (glyphs.none, .muted) }
        if client.pollingPaused { return ("paused", .muted) }
        guard let response = client.lastResponse else { return (hasNoTokenToCallWith(client) ? glyphs.none : "waiting", .muted) }
        let isStale = client.isStale(response, at: now)
        let text = answerText(
            response, now: now, glyphs: glyphs, withLatency: withLatency, coarseAge: response.isSuccess && !isStale)
        if isStale { return (text, .muted) }
        return (text, response.isSuccess ? .text : .error)
    }

    /// True when the token request failed and no token is held: no call is on its way, so
    /// "waiting" would promise one.
    static func hasNoTokenToCallWith(_ client: ClientSnapshot) -> Bool {
        client.token == nil && client.lastError != nil
    }

    /// `200 12ms · 8s ago`, `refused 2ms · now`: status (or what stopped the answer), latency, age.
    static func answerText(
        _ response: ResourceResponse, now: Date, glyphs: Glyphs, withLatency: Bool = true, coarseAge: Bool = false
    ) -> String {
        answerStatus(response) + (withLatency ? " " + TimeText.latency(response.latency) : "") + " \(glyphs.separator) "
            + (coarseAge ? TimeText.coarseAge(response.at, now: now) : TimeText.relative(response.at, now: now))
    }

    /// The status code, or a word for why no answer came.
    static func answerStatus(_ response: ResourceResponse) -> String {
        if let status = response.status { return String(status) }
        switch response.failure?.kind {
        case .connectionRefused: return "refused"
        case .dnsFailure: return "DNS"
        case .tlsFailure: return "TLS"
        case .timeout: return "timeout"
        default: return "failed"
        }
    }

    // MARK: Tabs and footer

    private func drawTabBar(
        _ canvas: inout Canvas, client: ClientSnapshot?, position: (Int, Int)?, state: ViewState, row: Int, zoomed: Bool,
        context: ScreenContext
    ) {
        canvas.fill(row: row, role: .border, with: canvas.glyphs.horizontal)
        var x = 1
        for tab in DetailTab.allCases {
            x +=
                canvas.put(
                    ScreenLayout.tabLabel(tab, active: tab == state.tab), x: x, y: row, role: tab == state.tab ? .tabActive : .tab
                ) + 1
        }
        if let client, let position {
            var title = " " + TerminalText.sanitize(client.name) + " \(position.0 + 1)/\(position.1) "
            if zoomed { title += "\(context.glyphs.separator) Esc back " }
            let width = min(title.columnWidth, canvas.width - x - 2)
            if width > 4 { canvas.put(title, x: canvas.width - width - 1, y: row, width: width, role: .title) }
        }
    }

    private func drawFooter(_ canvas: inout Canvas, state: ViewState, zoomed: Bool, now: Date, context: ScreenContext) {
        let y = canvas.height - 1
        let keyMap = context.keyMap
        let glyphs = context.glyphs
        canvas.fill(row: y, role: .text)
        if let pending = state.pendingConfirmation {
            let x = canvas.put(" " + pending.question + " ", x: 0, y: y, role: .prompt)
            canvas.put([Span(" y", .key), Span(" yes, any other key no", .muted)], x: x, y: y, width: canvas.width - x)
            return
        }
        if state.isFilterPromptOpen {
            var x = canvas.put(" / ", x: 0, y: y, role: .prompt)
            x += canvas.put(state.filterText, x: x, y: y, width: max(0, canvas.width / 2 - x), role: .prompt)
            x += canvas.put(glyphs.cursor, x: x, y: y, role: .prompt)
            var hints = [Span("  Enter", .key), Span(" keep  ", .muted), Span("Esc", .key), Span(" clear", .muted)]
            // Typed characters go into the filter, so only the other keys still move the selection.
            let moves = [DashboardAction.up, .down].compactMap { action in
                keyMap.keys(for: action).first { if case .character = $0 { false } else { true } }?.label(glyphs: glyphs)
            }
            if moves.count == 2 { hints += [Span("  " + moves.joined(separator: " "), .key), Span(" select", .muted)] }
            canvas.put(hints, x: x, y: y, width: canvas.width - x)
            return
        }
        if state.isHelpVisible {
            canvas.put(
                [
                    Span(" Esc", .key), Span(" or ", .muted), Span(keyMap.label(for: .help, glyphs: glyphs), .key),
                    Span(" closes help", .muted),
                ], x: 0, y: y, width: canvas.width)
            return
        }
        var x = 0
        // The message gets the width it needs; the key hints have what is left.
        if let message = state.footerMessage(at: now) {
            x = canvas.put(
                " " + TerminalText.sanitize(message.text) + " ", x: 0, y: y, width: canvas.width - 1,
                role: message.isError ? .error : .message)
            x += canvas.put(canvas.glyphs.vertical, x: x, y: y, role: .border)
        }
        var hints: [Span] = []
        func hint(_ action: DashboardAction, _ text: String) {
            guard let key = keyMap.keys(for: action).first else { return }
            hints.append(Span(" " + key.label(glyphs: glyphs), .key))
            hints.append(Span(" " + text, .muted))
        }
        if state.screen != .clients {
            canvas.put(Self.screenHints(state, keyMap: keyMap, glyphs: glyphs), x: x, y: y, width: canvas.width - x)
            return
        }
        if !state.filterText.isEmpty {
            hints.append(Span(" filter \u{201C}\(state.filterText)\u{201D}", .message))
            hints.append(Span(" Esc", .key))
            hints.append(Span(" clears", .muted))
        }
        if zoomed {
            hints.append(Span(" Esc", .key))
            hints.append(Span(" back", .muted))
            let scroll = [DashboardAction.up, .down].compactMap { keyMap.keys(for: $0).first?.label(glyphs: glyphs) }
            if scroll.count == 2 {
                hints.append(Span(" " + scroll.joined(separator: " "), .key))
                hints.append(Span(" scroll", .muted))
            }
        }
        hint(.help, "help")
        hint(.quit, "quit")
        hint(.refresh, "refresh")
        hint(.refreshAll, "all")
        hint(.introspect, "introspect")
        hint(.revoke, "revoke")
        hint(.pause, "pause")
        hint(.copy, "copy")
        hint(.filter, "filter")
        hint(.sort, "sort")
        if !zoomed { hint(.zoom, "zoom") }
        hint(.layout, "layout")
        hint(.theme, "theme")
        canvas.put(hints, x: x, y: y, width: canvas.width - x)
    }
}
