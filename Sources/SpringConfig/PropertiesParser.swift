import Foundation
import TokenConfig

/// A property as a Spring file writes it: its name, its text, and where the value starts.
struct RawProperty: Sendable, Equatable {
    var name: String
    var value: String
    /// 1-based line and column of the value (of the key when the value is empty).
    var line: Int
    var column: Int
}

/// Reads `.properties` files in the whole `java.util.Properties` syntax: `key=value`,
/// `key: value` and `key value`; `\` at the end of a line continues it (the next line's leading
/// blanks dropped); `\t \n \r \f \uXXXX` escapes, and `\` before any other character keeps that
/// character; `#` and `!` comment lines. As in Spring Boot, a `#---` or `!---` line starts a
/// new document.
enum PropertiesParser {
    /// The documents of a file, each a list of properties in file order.
    static func documents(_ text: String, file: String) throws(ConfigurationError) -> [[RawProperty]] {
        var documents: [[RawProperty]] = [[]]
        var issues: [ConfigurationIssue] = []
        let lines = naturalLines(text)
        var index = 0
        while index < lines.count {
            let first = lines[index]
            let start = first.firstIndex { !isBlank($0) } ?? first.count
            if start == first.count {
                index += 1
                continue
            }
            if first[start] == "#" || first[start] == "!" {
                if start == 0, first.count == 4, first[1...] == ["-", "-", "-"] { documents.append([]) }
                index += 1
                continue
            }
            // One logical line: natural lines joined while a line ends in an odd number of `\`.
            var logical: [(character: Character, line: Int, column: Int)] = []
            var lineIndex = index
            var from = start
            while true {
                let line = lines[lineIndex]
                let backslashes = line.reversed().prefix { $0 == "\\" }.count
                let continues = backslashes % 2 == 1 && lineIndex + 1 < lines.count
                let end = backslashes % 2 == 1 ? line.count - 1 : line.count
                for position in from..<max(from, end) {
                    logical.append((line[position], lineIndex + 1, position + 1))
                }
                guard continues else { break }
                lineIndex += 1
                from = lines[lineIndex].firstIndex { !isBlank($0) } ?? lines[lineIndex].count
            }
            index = lineIndex + 1
            do {
                documents[documents.count - 1].append(try property(logical))
            } catch {
                issues.append(
                    ConfigurationIssue(
                        file: file, line: error.line, column: error.column, message: error.message))
            }
        }
        guard issues.isEmpty else { throw ConfigurationError(issues: issues) }
        return documents
    }

    private struct SyntaxProblem: Error {
        let line: Int
        let column: Int
        let message: String
    }

    /// Splits a logical line into key and value, unescaping both.
    private static func property(
        _ logical: [(character: Character, line: Int, column: Int)]
    ) throws(SyntaxProblem) -> RawProperty {
        var keyEnd = 0
        var escaped = false
        while keyEnd < logical.count {
            let character = logical[keyEnd].character
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "=" || character == ":" || isBlank(character) {
                break
            }
            keyEnd += 1
        }
        var valueStart = keyEnd
        while valueStart < logical.count, isBlank(logical[valueStart].character) { valueStart += 1 }
        if valueStart < logical.count, logical[valueStart].character == "=" || logical[valueStart].character == ":" {
            valueStart += 1
            while valueStart < logical.count, isBlank(logical[valueStart].character) { valueStart += 1 }
        }
        let key = try unescape(logical[0..<keyEnd])
        let value = try unescape(logical[valueStart...])
        let place = valueStart < logical.count ? logical[valueStart] : logical[0]
        return RawProperty(name: key, value: value, line: place.line, column: place.column)
    }

    private static func unescape(
        _ characters: ArraySlice<(character: Character, line: Int, column: Int)>
    ) throws(SyntaxProblem) -> String {
        var result = ""
        var index = characters.startIndex
        while index < characters.endIndex {
            let current = characters[index]
            index += 1
            guard current.character == "\\", index < characters.endIndex else {
                // A lone `\` at the very end of the file is dropped, as Properties.load does.
                if current.character != "\\" { result.append(current.character) }
                continue
            }
            let escape = characters[index].character
            index += 1
            switch escape {
            case "t": result.append("\t")
            case "n": result.append("\n")
            case "r": result.append("\r")
            case "f": result.append("\u{0C}")
            case "u":
                let digits = characters[index..<min(index + 4, characters.endIndex)].map(\.character)
                guard digits.count == 4, let code = UInt32(String(digits), radix: 16) else {
                    throw SyntaxProblem(
                        line: current.line, column: current.column,
                        message: "malformed \\uXXXX escape: expected four hexadecimal digits after \\u")
                }
                index += 4
                // UTF-16 surrogate pairs (`\uD83D\uDE00`) make one character, as Java reads them.
                if (0xD800...0xDBFF).contains(code), index + 6 <= characters.endIndex,
                    characters[index].character == "\\", characters[index + 1].character == "u",
                    let low = UInt32(String(characters[(index + 2)..<(index + 6)].map(\.character)), radix: 16),
                    (0xDC00...0xDFFF).contains(low),
                    let scalar = Unicode.Scalar(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
                {
                    result.unicodeScalars.append(scalar)
                    index += 6
                } else {
                    result.unicodeScalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                }
            default: result.append(escape)
            }
        }
        return result
    }

    /// Lines split at `\n`, `\r` or `\r\n`, as arrays of characters.
    private static func naturalLines(_ text: String) -> [[Character]] {
        var lines: [[Character]] = []
        var current: [Character] = []
        for character in text {
            // Swift reads `\r\n` as one character.
            if character == "\n" || character == "\r" || character == "\r\n" {
                lines.append(current)
                current = []
            } else {
                current.append(character)
            }
        }
        lines.append(current)
        return lines
    }

    /// Properties' white space: space, tab and form feed.
    private static func isBlank(_ character: Character) -> Bool {
        character == " " || character == "\t" || character == "\u{0C}"
    }
}
