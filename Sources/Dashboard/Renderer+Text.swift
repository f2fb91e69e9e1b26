import Foundation
import TokenModel

/// Text as the panes draw it: cleaned of what a terminal would obey, cut, wrapped and padded
/// to a width in cells.
extension Renderer {
    /// Text from the network or a token, made safe for the terminal.
    static func clean(_ text: String) -> String {
        TerminalText.sanitize(text)
    }

    static func valueText(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return clean(text)
        case .number(let number): return JSONValue.numberText(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        default: return clean(sanitized(value).compactText)
        }
    }

    /// Every string and key of a JSON value sanitised, so that JSON's own escaping cannot
    /// show a hostile escape sequence as `\u001b[2J` text.
    static func sanitized(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(clean(text))
        case .array(let items): return .array(items.map(sanitized))
        case .object(let fields):
            return .object(
                Dictionary(fields.map { (clean($0.key), sanitized($0.value)) }, uniquingKeysWith: { first, _ in first }))
        default: return value
        }
    }

    /// `text` if it fits in `width` columns, else its end after an ellipsis.
    static func keepingEnd(_ text: String, width: Int, ellipsis: Unicode.Scalar) -> String {
        let ellipsisWidth = CharacterWidth.columns(of: ellipsis)
        guard text.columnWidth > width, width > ellipsisWidth else { return text }
        var tail = String.UnicodeScalarView()
        var tailWidth = ellipsisWidth
        for scalar in text.unicodeScalars.reversed() {
            let columns = CharacterWidth.columns(of: scalar)
            guard tailWidth + columns <= width else { break }
            tail.insert(scalar, at: tail.startIndex)
            tailWidth += columns
        }
        return String(ellipsis) + String(tail)
    }

    /// Splits text into pieces of at most `width` columns, at spaces where it can.
    static func wrap(_ text: String, width: Int) -> [String] {
        guard text.columnWidth > width, width > 0 else { return [text] }
        var pieces: [String] = []
        var current = ""
        var currentWidth = 0
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            var word = String(word)
            var wordWidth = word.columnWidth
            while wordWidth > width {
                if currentWidth > 0 {
                    pieces.append(current)
                    current = ""
                    currentWidth = 0
                }
                var head = String.UnicodeScalarView()
                var headWidth = 0
                var rest = word.unicodeScalars[...]
                while let scalar = rest.first, headWidth + CharacterWidth.columns(of: scalar) <= width {
                    head.append(scalar)
                    headWidth += CharacterWidth.columns(of: scalar)
                    rest = rest.dropFirst()
                }
                if head.isEmpty, let scalar = rest.first {
                    head.append(scalar)
                    rest = rest.dropFirst()
                }
                pieces.append(String(head))
                word = String(String.UnicodeScalarView(rest))
                wordWidth = word.columnWidth
            }
            let needed = currentWidth == 0 ? wordWidth : currentWidth + 1 + wordWidth
            if needed > width {
                pieces.append(current)
                current = word
                currentWidth = wordWidth
            } else {
                current = currentWidth == 0 ? word : current + " " + word
                currentWidth = needed
            }
        }
        if !current.isEmpty || pieces.isEmpty { pieces.append(current) }
        return pieces
    }

    static func padded(_ text: String, _ width: Int) -> String {
        let columns = text.columnWidth
        if columns >= width { return text.isEmpty ? text : text + " " }
        return text + String(repeating: " ", count: width - columns)
    }
}
