/// One character cell of the screen.
public struct Cell: Sendable, Hashable {
    /// What is drawn; a space for the right half of a wide character.
    public var scalar: Unicode.Scalar
    /// 1 for an ordinary cell, 2 for the left half of a wide character, 0 for its right half.
    public var width: UInt8
    public var style: Style

    /// A cell; `width` is 2 for the left half of a wide character and 0 for its right half.
    public init(scalar: Unicode.Scalar, width: UInt8 = 1, style: Style = .plain) {
        self.scalar = scalar
        self.width = width
        self.style = style
    }

    /// True for the right half of a wide character, which the terminal fills by itself.
    public var isContinuation: Bool { width == 0 }
}

/// A horizontal stretch of changed cells of one style, to be written in one call.
public struct FrameRun: Sendable, Hashable {
    /// Where the run starts, from 0.
    public var row: Int
    public var column: Int
    /// In cells, continuation cells included.
    public var length: Int
    public var style: Style

    public init(row: Int, column: Int, length: Int, style: Style) {
        self.row = row
        self.column = column
        self.length = length
        self.style = style
    }
}

/// A whole screen as a grid of cells: what the renderer produces and the driver writes.
/// Its text-writing functions never store a control character, whatever they are given.
public struct Frame: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    /// A frame of blanks in `style`.
    public init(width: Int, height: Int, style: Style = .plain) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(scalar: " ", style: style), count: self.width * self.height)
    }

    /// The cell at a column and row, both from 0.
    public subscript(column: Int, row: Int) -> Cell {
        cells[row * width + column]
    }

    /// Blanks `count` cells of a row from `column` in `style`.
    public mutating func fill(row: Int, column: Int = 0, count: Int? = nil, style: Style, with scalar: Unicode.Scalar = " ") {
        guard row >= 0, row < height else { return }
        let start = max(0, column)
        let end = min(width, count.map { column + $0 } ?? width)
        guard start < end else { return }
        let safe: Unicode.Scalar = CharacterWidth.columns(of: scalar) == 1 ? scalar : " "
        for x in start..<end { set(Cell(scalar: safe, style: style), x: x, y: row) }
    }

    /// Changes only the style of a stretch of cells, keeping their characters.
    public mutating func restyle(row: Int, column: Int = 0, count: Int? = nil, style: Style) {
        guard row >= 0, row < height else { return }
        let start = max(0, column)
        let end = min(width, count.map { column + $0 } ?? width)
        guard start < end else { return }
        for x in start..<end { cells[row * width + x].style = style }
    }

    /// Writes text from `column` on `row`, at most `maxWidth` columns (to the edge by default).
    /// Control characters are dropped here, so nothing that reaches a cell can steer the
    /// terminal; text from the network is also sanitised before it gets here, so escape
    /// sequences vanish whole. When the text does not fit and `ellipsis` is given, the last
    /// column shows it. Returns the number of columns written.
    @discardableResult
    public mutating func write(
        _ text: some StringProtocol, column: Int, row: Int, maxWidth: Int? = nil, style: Style,
        ellipsis: Unicode.Scalar? = nil
    ) -> Int {
        guard row >= 0, row < height, column >= 0, column < width else { return 0 }
        let limit = min(width, maxWidth.map { column + max(0, $0) } ?? width)
        var x = column
        var truncated = false
        for scalar in text.unicodeScalars {
            let columns = CharacterWidth.columns(of: scalar)
            if columns == 0 { continue }
            if x + columns > limit {
                truncated = true
                break
            }
            if columns == 2 {
                set(Cell(scalar: scalar, width: 2, style: style), x: x, y: row)
                set(Cell(scalar: " ", width: 0, style: style), x: x + 1, y: row)
            } else {
                set(Cell(scalar: scalar, style: style), x: x, y: row)
            }
            x += columns
        }
        if truncated, let ellipsis, x < limit, CharacterWidth.columns(of: ellipsis) == 1 {
            set(Cell(scalar: ellipsis, style: style), x: x, y: row)
            x += 1
        } else if truncated, let ellipsis, x > column, CharacterWidth.columns(of: ellipsis) == 1 {
            var last = x - 1
            if cells[row * width + last].isContinuation { last -= 1 }
            set(Cell(scalar: ellipsis, style: style), x: last, y: row)
            if last < x - 1 { set(Cell(scalar: " ", style: style), x: x - 1, y: row) }
        }
        return x - column
    }

    /// Stores a cell, blanking the other half of any wide character it cuts through.
    private mutating func set(_ cell: Cell, x: Int, y: Int) {
        let index = y * width + x
        let old = cells[index]
        if old.isContinuation, x > 0, cell.width != 0 {
            cells[index - 1] = Cell(scalar: " ", style: cells[index - 1].style)
        }
        if old.width == 2, cell.width != 2, x + 1 < width {
            cells[index + 1] = Cell(scalar: " ", style: cells[index + 1].style)
        }
        cells[index] = cell
    }

    /// The characters of one row, wide characters once.
    public func text(ofRow row: Int) -> String {
        var scalars = String.UnicodeScalarView()
        for x in 0..<width where !self[x, row].isContinuation {
            scalars.append(self[x, row].scalar)
        }
        return String(scalars)
    }

    /// Every row's characters, trailing spaces kept, one line per row.
    public var text: String {
        (0..<height).map { text(ofRow: $0) }.joined(separator: "\n")
    }

    /// The runs of cells that differ from `previous`: everything when there is no previous
    /// frame or its size differs. A run never starts or ends inside a wide character.
    public func changedRuns(since previous: Frame?) -> [FrameRun] {
        let comparable = previous.map { $0.width == width && $0.height == height } ?? false
        var runs: [FrameRun] = []
        for row in 0..<height {
            let base = row * width
            var x = 0
            while x < width {
                if comparable, let previous, previous.cells[base + x] == cells[base + x] {
                    x += 1
                    continue
                }
                let start = cells[base + x].isContinuation && x > 0 ? x - 1 : x
                let style = cells[base + start].style
                var end = x + 1
                while end < width, cells[base + end].style == style {
                    let unchanged = comparable && previous.map { $0.cells[base + end] == cells[base + end] } ?? false
                    if unchanged && !cells[base + end].isContinuation { break }
                    end += 1
                }
                if cells[base + end - 1].width == 2, end < width { end += 1 }
                runs.append(FrameRun(row: row, column: start, length: end - start, style: style))
                x = end
            }
        }
        return runs
    }

    /// The scalars of a run as the terminal should receive them: continuation cells left out.
    public func scalars(of run: FrameRun) -> [Unicode.Scalar] {
        let base = run.row * width
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(run.length)
        for x in run.column..<(run.column + run.length) where !cells[base + x].isContinuation {
            result.append(cells[base + x].scalar)
        }
        return result
    }
}
