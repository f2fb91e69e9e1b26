import Foundation
import TokenModel

/// The clients table: column titles, a row a client, and with `I` each group's header and banner.
extension Renderer {
    /// Column widths of the table for a screen width, as k9s fits its columns: each column
    /// gives way in a fixed order, so what matters most stays. The scope goes first, then the
    /// countdown bar narrows, the API answer loses its latency, the bar goes, the verdict
    /// shrinks to its symbol, the API answer goes; the reason then takes what is left, and the
    /// name is cut last of all.
    struct TableColumns: Equatable {
        var status = 10
        var name: Int
        /// `127.0.0.1:9464`, on an attached dashboard whose rows are not grouped by instance.
        var instance: Int
        var bar = 16
        var countdown = 5
        var scope = 16
        /// `200 12ms · 1m10s ago`; narrower, the latency is left out (`200 · 1m10s ago`).
        var answer = 20
        var reason = 0

        /// The reason is worth a column from this width; below it the reason is not drawn.
        static let shortestReason = 12
        /// The other columns give way until the reason has this much.
        static let wantedReason = 24
        /// The scope is drawn only where the reason keeps room for a whole sentence.
        static let reasonBesideScope = 48
        static let shortestName = 6

        init(width: Int, longestName: Int, longestInstance: Int = 0) {
            name = min(max(longestName, Self.shortestName), 32)
            instance = longestInstance > 0 ? min(max(longestInstance, 8), 21) : 0
            let steps: [(inout TableColumns) -> Void] = [
                { $0.bar = 10 },
                { $0.answer = 15 },
                { $0.bar = 6 },
                { $0.bar = 0 },
                { $0.status = 1 },
                { $0.answer = 0 },
            ]
            reason = rest(width)
            if reason < Self.reasonBesideScope {
                scope = 0
                reason = rest(width)
            }
            for step in steps where reason < Self.wantedReason {
                step(&self)
                reason = rest(width)
            }
            if reason < Self.shortestReason { reason = 0 }
            // Past every other column, the countdown goes, then the instance and the name are cut.
            if rest(width) < 0 { countdown = 0 }
            if rest(width) < 0, instance > 0 { instance = max(8, instance + rest(width)) }
            if rest(width) < 0 { name = max(Self.shortestName, name + rest(width)) }
            reason = max(0, reason)
        }

        /// The width the reason would have: the screen less the other columns and their gaps.
        private func rest(_ width: Int) -> Int {
            let others = [status, name, instance, bar, countdown, scope, answer].filter { $0 > 0 }
            return width - 2 - others.reduce(0) { $0 + $1 + 1 }
        }

        /// True when the verdict is its symbol alone.
        var statusIsSymbol: Bool { status < 10 }
    }

    func drawTable(
        _ canvas: inout Canvas, snapshot: ManagerSnapshot, order: [Int], groups: ClientGroups?,
        selected: Int?, state: ViewState, layout: ScreenLayout, now: Date
    ) {
        var longestName = 0
        var longestInstance = 0
        // Every client's name is measured, each read in place (`mapInPlace`).
        let widths = snapshot.clients.mapInPlace { client in
            // Grouped, the instance is in each group's header.
            (
                name: Self.shownNameLength(client.pointee),
                instance: groups == nil ? client.pointee.instance?.unicodeScalars.count : nil
            )
        }
        for index in order {
            longestName = max(longestName, widths[index].name)
            longestInstance = max(longestInstance, widths[index].instance ?? 0)
        }
        let columns = TableColumns(width: canvas.width, longestName: longestName, longestInstance: longestInstance)

        canvas.fill(row: 1, role: .columns)
        let sortMark = String(state.isSortReversed ? canvas.glyphs.sortMarkerReversed : canvas.glyphs.sortMarker)
        var x = 2
        var titlesEnd = x
        for (title, width, sort) in [
            (columns.statusIsSymbol ? "" : "STATUS", columns.status, SortOrder.status), ("NAME", columns.name, .name),
            ("INSTANCE", columns.instance, nil),
            (columns.bar > 0 ? "EXPIRES IN" : "EXP", columns.bar + (columns.bar > 0 ? 1 : 0) + columns.countdown, .expiry),
            ("SCOPE", columns.scope, nil), (Self.answerColumnTitle(snapshot.clients), columns.answer, nil),
            ("REASON", columns.reason, nil),
        ] where width > 0 {
            if !title.isEmpty {
                titlesEnd =
                    x + canvas.put(sort == state.sort ? title + sortMark : title, x: x, y: 1, width: width, role: .columns)
            }
            x += width + 1
        }
        drawHiddenClients(&canvas, layout: layout, after: titlesEnd)

        guard !order.isEmpty else {
            let note =
                snapshot.clients.isEmpty
                ? "No clients configured."
                : "No client name, scope or verdict contains \u{201C}\(TerminalText.sanitize(state.filterText))\u{201D}. Esc clears the filter."
            canvas.put(note, x: 2, y: layout.tableTop, role: .muted)
            return
        }
        for row in 0..<layout.tableRows {
            let line = layout.firstLine + row
            guard line < layout.lineCount else { break }
            canvas.linesMade += 1
            let y = layout.tableTop + row
            switch groups?.lines[line] ?? .client(position: line) {
            case .header(let group):
                if let groups { drawGroupHeader(&canvas, group: groups.groups[group], y: y) }
            case .banner(let group):
                if let groups { drawGroupBanner(&canvas, group: groups.groups[group], y: y) }
            case .client(let position):
                let index = order[position]
                let shared = groups.flatMap { groups in groups.groups.first { $0.positions.contains(position) }?.sharedFailure }
                drawClientRow(
                    &canvas, client: snapshot.clients[index], verdict: snapshot.clients[index].health(at: now),
                    sharedFailure: shared, y: y,
                    columns: columns, isSelected: position == selected, now: now)
            }
        }
    }

    /// `▾ http://…/oauth2/default · 6 clients · ✘ 6 error`: the group's issuer (or instance), its
    /// size and its verdicts, the issuer shortened in its middle where the line is short.
    private func drawGroupHeader(_ canvas: inout Canvas, group: ClientGroups.Group, y: Int) {
        let glyphs = canvas.glyphs
        canvas.fill(row: y, role: .columns)
        let size = group.positions.count
        let sizeText = " \(glyphs.separator) \(size) \(size == 1 ? "client" : "clients") \(glyphs.separator) "
        // The counts keep their words before the issuer keeps its middle.
        let countsRoom = max(0, canvas.width - 3 - sizeText.columnWidth - min(group.title.columnWidth, 24))
        let counts = Self.countSpans(group.counts, shown: size, total: size, room: countsRoom, glyphs: glyphs)
        let countsWidth = counts.reduce(0) { $0 + $1.text.columnWidth }
        let titleRoom = max(8, canvas.width - 2 - sizeText.columnWidth - countsWidth - 1)
        var x = 1
        x += canvas.put(Self.middleTruncated(group.title, width: titleRoom, glyphs: glyphs), x: x, y: y, role: .title)
        x += canvas.put(sizeText, x: x, y: y, role: .columns)
        canvas.put(counts, x: x, y: y, width: max(0, canvas.width - x - 1))
    }

    /// `  ✘ all 6: token request failed: connection refused (nothing listens there)`: the failure
    /// every client of the group shares, said once.
    private func drawGroupBanner(_ canvas: inout Canvas, group: ClientGroups.Group, y: Int) {
        guard let failure = group.sharedFailure else { return }
        let glyphs = canvas.glyphs
        let text = "\(failure.state.symbol(glyphs)) all \(group.positions.count): " + TerminalText.sanitize(failure.reason)
        canvas.put(text, x: 3, y: y, width: canvas.width - 4, role: failure.state.role)
    }

    /// `http://…/oauth2/default`: a URL keeps its scheme and its path's end, where the two
    /// issuers of a fleet differ.
    static func middleTruncated(_ text: String, width: Int, glyphs: Glyphs) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count > width, width > 1 else { return text }
        let schemeEnd =
            text.range(of: "://").map { text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: $0.upperBound) }
            ?? 0
        let head = schemeEnd > 0 && schemeEnd + 8 <= width ? schemeEnd : 0
        var tail = scalars.suffix(width - head - 1)
        // A URL's end that would start inside its host starts at its path instead: `http://…/oauth2/default`.
        if head > 0, let pathStart = scalars[head...].firstIndex(of: "/"), tail.startIndex < pathStart {
            tail = scalars[pathStart...]
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars.prefix(head))
        result.append(glyphs.ellipsis)
        result.append(contentsOf: tail)
        return String(result)
    }

    /// The name a row shows: on an attached dashboard, the name on its instance (the instance
    /// has a column, or the group's header, of its own).
    static func shownName(_ client: ClientSnapshot) -> String {
        guard let instance = client.instance, client.name.hasPrefix(instance + "/") else { return client.name }
        return String(client.name.dropFirst(instance.count + 1))
    }

    /// `shownName(client).unicodeScalars.count`, without making the string when there is no
    /// instance (the table measures every client's name on every frame).
    static func shownNameLength(_ client: ClientSnapshot) -> Int {
        client.instance == nil ? client.name.unicodeScalars.count : shownName(client).unicodeScalars.count
    }

    /// `↑ 3 above ↓ 12 more` (or `↑3 ↓12` where that does not fit) at the right end of the
    /// column titles, where no title is: the clients the table has no room for, and on which side.
    private func drawHiddenClients(_ canvas: inout Canvas, layout: ScreenLayout, after titlesEnd: Int) {
        let (above, below) = layout.hiddenClients
        let glyphs = canvas.glyphs
        let forms = [
            [above > 0 ? "\(glyphs.up) \(above) above" : nil, below > 0 ? "\(glyphs.down) \(below) more" : nil],
            [above > 0 ? "\(glyphs.up)\(above)" : nil, below > 0 ? "\(glyphs.down)\(below)" : nil],
        ]
        for parts in forms.map({ $0.compactMap { $0 } }) where !parts.isEmpty {
            let note = parts.joined(separator: " ") + " "
            let x = canvas.width - note.columnWidth
            if x > titlesEnd {
                canvas.put(note, x: x, y: 1, role: .columns)
                return
            }
        }
    }

    /// The API column is named for what it calls: the path every client's `resource-uri`
    /// shares (`/mod`), or `API` when they differ.
    static func answerColumnTitle(_ clients: [ClientSnapshot]) -> String {
        // A fleet shares a few URIs: each is parsed once, not once a client and a frame, and
        // each client's is hashed only when it differs from the one before (read in place,
        // `forEachInPlace`, rather than copying every client out of the array).
        var uris: Set<String> = []
        var previous: String?
        clients.forEachInPlace { client in
            guard let uri = client.pointee.resourceURI, uri != previous else { return }
            uris.insert(uri)
            previous = uri
        }
        let paths = Set(uris.compactMap { URL(string: $0)?.path })
        guard paths.count == 1, let path = paths.first, !path.isEmpty else { return "API" }
        return TerminalText.sanitize(path)
    }

    /// - Parameter sharedFailure: the failure its group's banner says; the row says only what
    ///   it adds (`↑ next try in 3s`).
    private func drawClientRow(
        _ canvas: inout Canvas, client: ClientSnapshot, verdict: HealthVerdict, sharedFailure: HealthVerdict?, y: Int,
        columns: TableColumns, isSelected: Bool, now: Date
    ) {
        let glyphs = canvas.glyphs
        if isSelected { canvas.put(glyphs.selectionMarker, x: 0, y: y, role: .selection) }
        var x = 2
        canvas.put(verdict.state.symbol(glyphs), x: x, y: y, role: verdict.state.role)
        if !columns.statusIsSymbol {
            canvas.put(verdict.state.rawValue, x: x + 2, y: y, width: columns.status - 2, role: verdict.state.role)
        }
        x += columns.status + 1
        canvas.put(TerminalText.sanitize(Self.shownName(client)), x: x, y: y, width: columns.name, role: .text)
        // Only the name is highlighted: reverse video over the bar would turn it inside out,
        // and over the verdict it would hide the verdict's colour.
        if isSelected { canvas.restyle(row: y, x: x, count: columns.name, role: .selection) }
        x += columns.name + 1
        if columns.instance > 0 {
            canvas.put(TerminalText.sanitize(client.instance ?? ""), x: x, y: y, width: columns.instance, role: .muted)
            x += columns.instance + 1
        }
        if columns.bar + columns.countdown > 0 {
            drawCountdown(&canvas, client: client, verdict: verdict.state, x: x, y: y, columns: columns, now: now)
            x += columns.bar + (columns.bar > 0 ? 1 : 0) + columns.countdown + 1
        }
        if columns.scope > 0 {
            let scopes = client.token?.scopes ?? client.configuredScopes
            canvas.put(TerminalText.sanitize(scopes.joined(separator: " ")), x: x, y: y, width: columns.scope, role: .muted)
            x += columns.scope + 1
        }
        if columns.answer > 0 {
            let (answer, answerRole) = Self.answerSummary(client, now: now, glyphs: glyphs, withLatency: columns.answer >= 20)
            canvas.put(answer, x: x, y: y, width: columns.answer, role: answerRole)
            x += columns.answer + 1
        }
        guard columns.reason > 0 else { return }
        if let sharedFailure, verdict.state == sharedFailure.state {
            let own = ClientGroups.ownWords(of: verdict.reason, after: sharedFailure.reason)
            canvas.put(
                "\(glyphs.up) " + (own.isEmpty ? "as above" : TerminalText.sanitize(own)), x: x, y: y, width: columns.reason,
                role: .muted)
            return
        }
        canvas.put(
            TerminalText.sanitize(verdict.reason), x: x, y: y, width: columns.reason,
            role: verdict.state == .ok ? .muted : verdict.state.role)
    }

    /// The countdown bar and the time left (`49:59`). Its colour is the verdict's: a healthy
    /// token near its refresh is not red. See `CountdownBar` for its scale. Narrow, the bar
    /// goes and the time left stays.
    private func drawCountdown(
        _ canvas: inout Canvas, client: ClientSnapshot, verdict: HealthState, x: Int, y: Int, columns: TableColumns, now: Date
    ) {
        let glyphs = canvas.glyphs
        let width = columns.bar
        let textX = x + (width > 0 ? width + 1 : 0)
        guard let bar = CountdownBar(client, now: now, width: max(width, 1)) else {
            if width > 0 { canvas.fill(row: y, x: x, count: width, role: .barEmpty, with: glyphs.barEmpty) }
            canvas.put("--:--", x: textX, y: y, width: columns.countdown, role: .muted)
            return
        }
        if width > 0 {
            canvas.fill(row: y, x: x, count: bar.filled, role: verdict == .ok ? .barFilled : verdict.role, with: glyphs.barFilled)
            canvas.fill(row: y, x: x + bar.filled, count: width - bar.filled, role: .barEmpty, with: glyphs.barEmpty)
            if let mark = bar.refreshMark { canvas.put(glyphs.barRefreshMark, x: x + mark, y: y, role: .barMarker) }
        }
        let text = bar.secondsLeft > 0 ? TimeText.countdown(seconds: bar.secondsLeft) : "--:--"
        canvas.put(text, x: textX, y: y, width: columns.countdown, role: verdict == .ok ? .text : verdict.role)
    }
}
