import TokenModel

/// The zoomed view (`Enter`): the selected client's tab on the whole screen, nothing cut.
/// It is drawn by `drawDetail` into the rows `ScreenLayout` gives a zoomed screen; what
/// differs is here: lines wrap instead of ending in `…`, and answers show their whole body.
extension Renderer {
    /// Lines wider than `width` continued on lines of their own, under where their last part
    /// starts (the value after a label, the details after a history entry's columns), or a
    /// little indented where that is too far right.
    static func wrapped(_ lines: [[Span]], width: Int) -> [[Span]] {
        var result: [[Span]] = []
        for line in lines {
            let total = line.reduce(0) { $0 + $1.text.columnWidth }
            guard total > width, let last = line.last, width > 8 else {
                result.append(line)
                continue
            }
            let head = Array(line.dropLast())
            var indent = head.reduce(0) { $0 + $1.text.columnWidth }
            var pieces: [String]
            if indent <= width / 2 {
                pieces = wrap(last.text, width: width - indent)
                result.append(head + [Span(pieces.removeFirst(), last.role)])
            } else {
                // The head takes most of the line: it keeps its own, the rest goes under it.
                result.append(head)
                indent = 4
                pieces = wrap(String(last.text.drop { $0 == " " }), width: width - indent)
            }
            for piece in pieces {
                result.append([Span(padded("", indent)), Span(piece, last.role)])
            }
        }
        return result
    }

    /// An answer's body as it came, line by line, indented under the answer; a line's own
    /// indentation is kept, and where it wraps it continues under its first character.
    static func bodyLines(_ body: String, role: StyleRole) -> [[Span]] {
        guard !body.isEmpty else { return [[Span(padded("", 4)), Span("(empty body)", .muted)]] }
        return body.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let text = clean(String(line))
            let content = text.drop { $0 == " " }
            return [Span(padded("", 4 + text.count - content.count)), Span(String(content), role)]
        }
    }
}
