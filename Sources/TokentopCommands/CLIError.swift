import Foundation

/// A failure the CLI reports in one line before exiting with its code: 2 for configuration
/// and usage, 1 for everything that went wrong at run time.
struct CLIError: Error, CustomStringConvertible {
    enum Kind { case usage, runtime }

    let kind: Kind
    let description: String

    static func usage(_ message: String) -> CLIError { CLIError(kind: .usage, description: message) }
    static func runtime(_ message: String) -> CLIError { CLIError(kind: .runtime, description: message) }

    var exitCode: Int32 { kind == .usage ? 2 : 1 }
}

/// Writes to standard error, where warnings and errors go so stdout stays for data.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
