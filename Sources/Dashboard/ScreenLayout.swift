/// A click or a turn of the wheel, in the terminal's cells (from 0).
public struct MouseEvent: Sendable, Hashable {
    public enum Button: Sendable, Hashable {
        /// The primary button, pressed.
        case left
        case wheelUp
        case wheelDown
    }

    public var button: Button
    public var column: Int
    public var row: Int

    public init(_ button: Button, column: Int, row: Int) {
        self.button = button
        self.column = column
        self.row = row
    }
}

/// Where the parts of the screen are: the one computation both the renderer (to draw) and
/// the input handler (to find what a click hit) use, so the two never disagree.
public struct ScreenLayout: Sendable, Hashable {
    /// What is under a cell.
    public enum Region: Sendable, Hashable {
        /// A client's row, by its position in the table's order.
        case client(Int)
        /// The table below its last client.
        case table
        case tab(DetailTab)
        /// The detail pane, or the zoomed view.
        case detail
        /// Header, column titles, footer, the tab bar between tabs.
        case elsewhere
    }

    /// A tab's label on the tab bar, with the columns it covers.
    struct TabSlot: Sendable, Hashable {
        let tab: DetailTab
        let columns: Range<Int>
    }

    /// The screen row of the first client row.
    let tableTop: Int
    /// Rows for clients (none in the zoomed view).
    let tableRows: Int
    /// The table's line drawn on `tableTop`.
    let firstLine: Int
    let clientCount: Int
    /// Per line of a grouped table, the position of its client in the table's order, nil for a
    /// group's header and banner; nil when the table is not grouped (each line a client).
    let lineClients: [Int?]?
    /// The row of the tabs, nil when the list has the whole screen.
    let tabBarRow: Int?
    let tabs: [TabSlot]
    let detailRows: Range<Int>
    /// Lines at the pane's top that stay when the rest scrolls (History's column titles).
    let pinnedLines: Int
    /// The rows the pane's scrolling lines are drawn in: the pane less its pinned lines, and
    /// less its last row when the lines do not fit, which then holds the `↓ N more` note.
    let scrollingRows: Range<Int>
    /// True when the pane has more lines than rows.
    let paneOverflows: Bool
    /// The most the pane's lines can be scrolled: the user's scroll is kept within it.
    public let maximumDetailScroll: Int
    /// Rows the key-set screen and the event log have below their title (above the footer).
    let screenRows: Int

    /// Rows the list and the pane share: the screen less the header, the column titles, the
    /// tab bar and the footer.
    static func sharedRows(_ size: TerminalSize) -> Int { size.rows - 4 }

    /// The pane keeps at least this many rows where it has that much to show, so a long list
    /// never squeezes the selected client's details out.
    static let minimumPaneRows = 4

    /// - Parameters:
    ///   - clientCount: rows the table has to show (after the filter).
    ///   - selected: the selected client's position in the table's order.
    ///   - paneLines: lines the detail pane has to show for the selected client's tab.
    ///   - pinnedPaneLines: how many of them stay at the top when the rest scroll.
    ///   - zoomed: the selected client fills the screen.
    ///   - lineClients: for a grouped table, each line's client position (nil for a group's lines).
    public init(
        size: TerminalSize, clientCount: Int, selected: Int?, paneLines: Int, pinnedPaneLines: Int = 0, paneLayout: PaneLayout,
        zoomed: Bool, lineClients: [Int?]? = nil
    ) {
        self.clientCount = clientCount
        self.lineClients = lineClients
        let lineCount = lineClients?.count ?? clientCount
        tableTop = 2
        screenRows = size.isUsable ? max(0, size.rows - 3) : 0
        let available = Self.sharedRows(size)
        if !size.isUsable {
            // The too-small notice has no parts: nothing to click, nothing to scroll.
            tableRows = 0
            tabBarRow = nil
        } else if zoomed {
            tableRows = 0
            tabBarRow = 1
        } else {
            switch paneLayout {
            case .list:
                tableRows = available + 1
                tabBarRow = nil
            case .pane:
                tableRows = 1
                tabBarRow = tableTop + 1
            case .shared:
                // The pane gets what it needs, up to half; the list gets every row it can use.
                let paneShare = min(max(paneLines, Self.minimumPaneRows), available / 2)
                tableRows = max(1, min(lineCount, available - paneShare))
                tabBarRow = tableTop + tableRows
            }
        }
        let selected = selected ?? 0
        let selectedLine = lineClients.flatMap { $0.firstIndex(of: selected) } ?? selected
        var first = max(0, min(selectedLine - tableRows / 2, lineCount - tableRows))
        // Grouped, the selected client's group keeps its header (and banner) in view when they fit.
        if let lineClients, selectedLine < lineClients.count {
            var header = selectedLine
            while header > 0, lineClients[header - 1] != nil { header -= 1 }
            while header > 0, lineClients[header - 1] == nil { header -= 1 }
            if header < first, selectedLine - header < tableRows { first = header }
        }
        firstLine = first
        let detailRows = tabBarRow.map { ($0 + 1)..<max($0 + 1, size.rows - 1) } ?? (size.rows - 1)..<(size.rows - 1)
        self.detailRows = detailRows
        pinnedLines = paneLines > pinnedPaneLines && detailRows.count > pinnedPaneLines ? pinnedPaneLines : 0
        var scrolling = (detailRows.lowerBound + pinnedLines)..<detailRows.upperBound
        paneOverflows = paneLines - pinnedLines > scrolling.count && scrolling.count > 1
        if paneOverflows { scrolling = scrolling.lowerBound..<(scrolling.upperBound - 1) }
        scrollingRows = scrolling
        maximumDetailScroll = max(0, paneLines - pinnedLines - scrolling.count)
        var slots: [TabSlot] = []
        var x = 1
        for tab in DetailTab.allCases {
            let width = Self.tabLabel(tab, active: false).count
            slots.append(TabSlot(tab: tab, columns: x..<(x + width)))
            x += width + 1
        }
        tabs = slots
    }

    /// `[1 Token]` for the open tab, ` 1 Token ` for the others: the same width, so the
    /// labels stay where a click expects them.
    static func tabLabel(_ tab: DetailTab, active: Bool) -> String {
        active ? "[\(tab.rawValue + 1) \(tab.title)]" : " \(tab.rawValue + 1) \(tab.title) "
    }

    /// The lines of the table: one a client, or with groups, their header and banner lines too.
    var lineCount: Int { lineClients?.count ?? clientCount }

    /// The client on a line of the table, nil for a group's line or past the end.
    func client(onLine line: Int) -> Int? {
        guard line >= 0, line < lineCount else { return nil }
        return lineClients.map { $0[line] } ?? line
    }

    /// Clients hidden above and below the table's rows.
    var hiddenClients: (above: Int, below: Int) {
        guard let lineClients else { return (firstLine, max(0, clientCount - firstLine - tableRows)) }
        let shownEnd = min(lineClients.count, firstLine + tableRows)
        let above = lineClients[..<firstLine].reduce(0) { $0 + ($1 == nil ? 0 : 1) }
        let below = lineClients[shownEnd...].reduce(0) { $0 + ($1 == nil ? 0 : 1) }
        return (above, below)
    }

    /// What is under a cell.
    public func region(column: Int, row: Int) -> Region {
        if row >= tableTop, row < tableTop + tableRows {
            return client(onLine: firstLine + row - tableTop).map { .client($0) } ?? .table
        }
        if row == tabBarRow {
            return tabs.first { $0.columns.contains(column) }.map { .tab($0.tab) } ?? .elsewhere
        }
        return detailRows.contains(row) ? .detail : .elsewhere
    }
}
