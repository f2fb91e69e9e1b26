import Foundation
import TokenModel

extension FuzzTarget {
    /// `TerminalText.sanitize`, the one gate between network text and the terminal, and
    /// `Redaction.mask`. Input: any text, as bytes off the wire.
    static let terminalText = FuzzTarget("terminal-text", "the terminal sanitiser and secret masking") {
        data throws(PropertyViolation) in
        let name = "terminal-text"
        let raw = text(data)
        let line = TerminalText.sanitize(raw)
        try Expect.printable(line, "a sanitised line", target: name)
        try Expect.that(
            TerminalText.sanitize(line) == line, "sanitising is idempotent", found: line.debugDescription, target: name)
        let block = TerminalText.sanitize(raw, singleLine: false)
        try Expect.printable(block, "sanitised text", target: name, allowingNewlines: true)
        try Expect.that(
            TerminalText.sanitize(block, singleLine: false) == block, "sanitising multi-line text is idempotent",
            found: block.debugDescription, target: name)
        try Expect.that(
            line.unicodeScalars.count <= raw.unicodeScalars.count && block.unicodeScalars.count <= raw.unicodeScalars.count,
            "sanitising never adds text", found: "\(raw.unicodeScalars.count) → \(line.unicodeScalars.count)", target: name)
        let masked = Redaction.mask(raw)
        try Expect.that(
            raw.count < 12 || (!Expect.contains(masked, raw) && masked.count <= 7),
            "a masked secret shows 4 + 2 of its characters, never the whole", found: masked.debugDescription, target: name)
    }
}
