import Dashboard
import Foundation
import TokenModel

extension FuzzTarget {
    /// The cell grid every screen is drawn on (`Frame`): text written, filled and restyled
    /// anywhere, in any size, then the changed runs the driver would send. Input: a width and a
    /// height byte, then operations (`0` write, `1` fill, `2` restyle, each with its place and
    /// a length-prefixed text).
    static let frame = FuzzTarget("frame", "the dashboard's cell grid") { data throws(PropertyViolation) in
        var bytes = ByteReader(data)
        var frame = Frame(width: 1 + Int(bytes.next() % 40), height: 1 + Int(bytes.next() % 8))
        let before = frame
        var operations = 0
        while !bytes.isAtEnd, operations < 64 {
            operations += 1
            let operation = bytes.next() % 3
            let column = Int(Int8(bitPattern: bytes.next()))
            let row = Int(Int8(bitPattern: bytes.next()))
            let style = Style(attributes: TextAttributes(rawValue: bytes.next() & 0x0F))
            switch operation {
            case 0:
                let limit = bytes.next()
                let ellipsis: Unicode.Scalar? = limit & 0x80 != 0 ? "…" : nil
                frame.write(
                    bytes.text(), column: column, row: row, maxWidth: limit & 0x40 != 0 ? Int(limit & 0x3F) : nil, style: style,
                    ellipsis: ellipsis)
            case 1:
                let count = bytes.next()
                let filler = bytes.text().unicodeScalars.first ?? " "
                frame.fill(row: row, column: column, count: count == 0 ? nil : Int(count), style: style, with: filler)
            default:
                let count = bytes.next()
                frame.restyle(row: row, column: column, count: count == 0 ? nil : Int(count), style: style)
            }
        }
        try checkFrame(frame, target: "frame", previous: before)
    }

    /// What every frame must be, whoever drew it: no control character in any cell; every
    /// cell as wide as the terminal draws its character (`CharacterWidth`), a wide character's
    /// right half right after it; and the runs sent to the terminal cover whole characters.
    static func checkFrame(_ frame: Frame, target name: String, previous: Frame?) throws(PropertyViolation) {
        try Expect.that(
            frame.cells.count == frame.width * frame.height, "a frame has width × height cells",
            found: "\(frame.cells.count) for \(frame.width)×\(frame.height)", target: name)
        for row in 0..<frame.height {
            for column in 0..<frame.width {
                let cell = frame[column, row]
                let place = "(\(column), \(row)) in \(frame.text(ofRow: row).debugDescription)"
                try Expect.that(
                    !Expect.isControl(cell.scalar), "no control character reaches a cell",
                    found: "U+\(String(cell.scalar.value, radix: 16, uppercase: true)) at \(place)", target: name)
                switch cell.width {
                case 0:
                    try Expect.that(
                        column > 0 && frame[column - 1, row].width == 2 && cell.scalar == " ",
                        "a right half follows a wide character", found: place, target: name)
                case 1:
                    try Expect.that(
                        CharacterWidth.columns(of: cell.scalar) == 1, "a one-column cell holds a one-column character",
                        found: "U+\(String(cell.scalar.value, radix: 16, uppercase: true)) at \(place)", target: name)
                case 2:
                    try Expect.that(
                        CharacterWidth.columns(of: cell.scalar) == 2 && column + 1 < frame.width
                            && frame[column + 1, row].width == 0,
                        "a wide character is drawn in two cells", found: place, target: name)
                default:
                    throw PropertyViolation(name, "a cell is 0, 1 or 2 columns wide", found: "\(cell.width) at \(place)")
                }
            }
        }
        for base in [previous, nil] {
            for run in frame.changedRuns(since: base) {
                try Expect.that(
                    run.row >= 0 && run.row < frame.height && run.column >= 0 && run.length > 0
                        && run.column + run.length <= frame.width && !frame[run.column, run.row].isContinuation,
                    "a run lies in the frame and starts on a whole character", found: "\(run)", target: name)
                let scalars = frame.scalars(of: run)
                let drawn = scalars.reduce(0) { $0 + CharacterWidth.columns(of: $1) }
                try Expect.that(
                    drawn == run.length, "the terminal draws a run in exactly its columns",
                    found: "\(drawn) columns for \(run)", target: name)
            }
        }
    }
}

/// Reads a fuzz input a byte, or a short text, at a time; zeros past the end.
struct ByteReader {
    private let data: Data
    private var offset: Int

    init(_ data: Data) {
        self.data = data
        offset = data.startIndex
    }

    var isAtEnd: Bool { offset >= data.endIndex }

    mutating func next() -> UInt8 {
        guard offset < data.endIndex else { return 0 }
        defer { offset += 1 }
        return data[offset]
    }

    /// A length byte, then that many bytes as UTF-8 (invalid sequences replaced).
    mutating func text() -> String {
        let count = Int(next())
        let end = min(data.endIndex, offset + count)
        defer { offset = end }
        return String(decoding: data[offset..<end], as: UTF8.self)
    }
}
