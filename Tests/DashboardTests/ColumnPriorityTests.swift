import Foundation
import Testing
import TokenModel

@testable import Dashboard

@Suite("Columns give way by priority, as in k9s")
struct ColumnPriorityTests {
    func rows(columns: Int, rows: Int) -> [String] {
        let frame = Renderer().render(
            Fixtures.snapshot(), state: ViewState(), size: TerminalSize(columns: columns, rows: rows), now: Fixtures.now,
            context: Fixtures.context())
        return (0..<frame.height).map { frame.text(ofRow: $0) }
    }

    @Test("at 60 columns every name is whole, the verdict is its symbol and the reason has room")
    func sixty() throws {
        let columns = Renderer.TableColumns(width: 60, longestName: 12)
        #expect(columns.name == 12)
        #expect(columns.statusIsSymbol)
        #expect(columns.reason >= Renderer.TableColumns.wantedReason)
        let lines = rows(columns: 60, rows: 24)
        for name in ["billing-api", "legacy-batch", "partner-sso", "search-edge"] {
            let row = try #require(lines.first { $0.contains(" \(name) ") }, "\(name) is whole at 60 columns")
            #expect(!row.contains(" ok ") && !row.contains(" error "), "the verdict is its symbol alone")
        }
        #expect(lines.contains { $0.contains("✘ partner-sso") })
    }

    @Test("at 80 columns the verdict keeps its word, the bar narrows and the reason has more than 20 columns")
    func eighty() throws {
        let columns = Renderer.TableColumns(width: 80, longestName: 12)
        #expect(!columns.statusIsSymbol)
        #expect(columns.scope == 0)
        #expect(columns.bar == 6)
        #expect(columns.reason > 20)
        let lines = rows(columns: 80, rows: 24)
        let titles = lines[1]
        let reasonAt = try #require(titles.range(of: "REASON")).lowerBound
        #expect(titles.distance(from: reasonAt, to: titles.endIndex) > 20)
        #expect(lines.contains { $0.contains("✔ ok       legacy-batch") })
    }

    @Test("the name is the last column cut: every other column gives way before it")
    func nameLast() {
        for width in 60...200 {
            let columns = Renderer.TableColumns(width: width, longestName: 30)
            #expect(columns.name == 30, "the name is whole at \(width) columns")
        }
        // Narrower than the dashboard ever draws the table, to see the last steps.
        let squeezed = Renderer.TableColumns(width: 30, longestName: 32)
        #expect(
            squeezed.scope == 0 && squeezed.bar == 0 && squeezed.answer == 0 && squeezed.reason == 0 && squeezed.countdown == 0)
        #expect(squeezed.statusIsSymbol)
        #expect(squeezed.name == 30 - 2 - 2 - 1, "only the verdict's symbol is left beside it")
    }

    @Test("wide, nothing gives way: scope, bar, answer with latency, the verdict's word")
    func wide() {
        let columns = Renderer.TableColumns(width: 160, longestName: 12)
        #expect(columns.scope == 16 && columns.bar == 16 && columns.answer == 20 && !columns.statusIsSymbol)
    }
}
