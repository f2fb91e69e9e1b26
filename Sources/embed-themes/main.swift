import Foundation

// embed-themes OUTPUT.swift THEME.yaml...: writes the themes' exact text as Swift string literals
// for the Dashboard module (run by the EmbedThemes build plugin, not by hand).

/// A Swift string literal that evaluates to `text`, scalar for scalar.
func literal(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": result += "\\\\"
        case "\"": result += "\\\""
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            result += "\\u{\(String(scalar.value, radix: 16))}"
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("embed-themes: \(message)\n".utf8))
    exit(1)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let output = arguments.first else { fail("usage: embed-themes OUTPUT.swift THEME.yaml...") }
var entries: [String] = []
for path in arguments.dropFirst() {
    let file = URL(fileURLWithPath: path)
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    guard let text = String(data: data, encoding: .utf8) else { fail("\(path) is not UTF-8") }
    let name = file.deletingPathExtension().lastPathComponent
    entries.append("        BuiltInTheme(name: \(literal(name)), yaml: \(literal(text))),\n")
}
let source = """
    // Generated at build time by the EmbedThemes plugin from themes/*.yaml. Do not edit.

    extension BuiltInTheme {
        /// The standard themes, from the package's `themes/` folder, by file name.
        public static let all: [BuiltInTheme] = [
    \(entries.joined())    ]
    }

    """
do {
    try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
} catch {
    fail("cannot write \(output): \(error)")
}
