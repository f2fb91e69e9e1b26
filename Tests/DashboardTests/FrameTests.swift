import Dashboard
import Foundation
import Testing
import TokenModel

@Suite("The cell grid")
struct FrameTests {
    @Test("control characters never reach a cell, whatever is written")
    func noControls() {
        var frame = Frame(width: 20, height: 1)
        frame.write("a\u{1B}b\u{07}c\u{9B}d\u{0}e\u{7F}f\u{202E}g", column: 0, row: 0, style: .plain)
        #expect(frame.text(ofRow: 0).hasPrefix("abcdefg "))
        frame.fill(row: 0, style: .plain, with: "\u{1B}")
        #expect(frame.cells.allSatisfy { $0.scalar == " " })
    }

    @Test("wide characters take two cells, and cutting one blanks its other half")
    func wideCharacters() {
        var frame = Frame(width: 6, height: 1)
        #expect(frame.write("日本語", column: 0, row: 0, style: .plain) == 6)
        #expect(frame.text(ofRow: 0) == "日本語")
        frame.write("x", column: 3, row: 0, style: .plain)
        #expect(frame.text(ofRow: 0) == "日 x語", "the right half of 本 was overwritten, so its left half is blanked")
        var narrow = Frame(width: 5, height: 1)
        narrow.write("日本語", column: 0, row: 0, style: .plain, ellipsis: "…")
        #expect(narrow.text(ofRow: 0) == "日本…", "the ellipsis takes the column a wide character could not")
    }

    @Test("text that does not fit ends in an ellipsis")
    func truncation() {
        var frame = Frame(width: 10, height: 1)
        #expect(frame.write("hello world", column: 2, row: 0, maxWidth: 6, style: .plain, ellipsis: "…") == 6)
        #expect(frame.text(ofRow: 0) == "  hello…  ")
    }

    @Test("a countdown ticking one second changes only a few cells")
    func countdownDiff() {
        let renderer = Renderer()
        let size = TerminalSize(columns: 120, rows: 40)
        let state = ViewState(selectedClient: "billing-api")
        let first = renderer.render(Fixtures.snapshot(), state: state, size: size, now: Fixtures.now, context: Fixtures.context())
        let second = renderer.render(
            Fixtures.snapshot(), state: state, size: size, now: Fixtures.at(1), context: Fixtures.context())
        let runs = second.changedRuns(since: first)
        let changedCells = runs.reduce(0) { $0 + $1.length }
        #expect(changedCells > 0 && changedCells <= 60, "\(changedCells) cells changed in \(runs.count) runs")
        #expect(runs.allSatisfy { $0.length <= 8 }, "only clock digits, countdowns, ages, relative times and the odd bar cell")
        #expect(second.changedRuns(since: second).isEmpty)
        #expect(
            second.changedRuns(since: nil).reduce(0) { $0 + $1.length } == 120 * 40,
            "with no previous frame everything is written")
    }

    @Test("runs carry one style each and never split a wide character")
    func runsAndWideCharacters() {
        var old = Frame(width: 8, height: 1)
        old.write("ab日cd", column: 0, row: 0, style: .plain)
        var new = old
        new.write("本", column: 2, row: 0, style: .plain)
        let runs = new.changedRuns(since: old)
        #expect(runs == [FrameRun(row: 0, column: 2, length: 2, style: .plain)])
        #expect(new.scalars(of: runs[0]) == ["本"])
        var styled = new
        styled.restyle(row: 0, column: 0, count: 4, style: Style(attributes: .bold))
        #expect(styled.changedRuns(since: new).map(\.length) == [4])
    }
}

@Suite("Times as the dashboard writes them")
struct TimeTextTests {
    @Test("clock, date, countdown and relative times are exact and UTC")
    func formats() {
        #expect(TimeText.clock(Fixtures.now) == "03:00:00")
        #expect(TimeText.dateTime(Fixtures.at(3000)) == "2026-11-27 03:50:00")
        #expect(TimeText.dateTime(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29 00:00:00")
        #expect(TimeText.countdown(seconds: 299) == "04:59")
        #expect(TimeText.countdown(seconds: 3600) == "60:00", "a one-hour token counts down in one notation")
        #expect(TimeText.countdown(seconds: 5999) == "99:59")
        #expect(TimeText.countdown(seconds: 6120) == "1h42m")
        #expect(TimeText.countdown(seconds: 85_000) == "23h")
        #expect(TimeText.countdown(seconds: 400_000) == "4d")
        #expect(TimeText.relative(Fixtures.at(252), now: Fixtures.now) == "in 4m12s")
        #expect(TimeText.relative(Fixtures.at(-8), now: Fixtures.now) == "8s ago")
        #expect(TimeText.latency(.milliseconds(1500)) == "1.5s")
        #expect(TimeText.latency(.milliseconds(12)) == "12ms")
    }
}
